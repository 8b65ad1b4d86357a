"""The fake arXiv API moved to `paperindex.testing.arxiv` (built on `paperindex.testing`);
this name stays for the test modules that still import it from here."""

from paperindex.testing.arxiv import NS, FakeArxiv, error_feed, feed_xml, load_entries, serve

__all__ = ["NS", "FakeArxiv", "error_feed", "feed_xml", "load_entries", "serve"]
