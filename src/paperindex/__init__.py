"""paperindex: research notes in, a reference catalogue out."""
__version__ = "0.1.0"
