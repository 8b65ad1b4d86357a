"""GitHub repositories: the REST API's repository record, its owner's name, its CITATION.cff.

Per repository: `GET /repos/{owner}/{repo}` (name, description, owner, licence, homepage, topics,
stars, dates, default branch, archived/fork); the owner's display name (`GET /users/{login}`,
once per owner per run); then `CITATION.cff` on the default branch, read from the raw file host
(which costs no API budget).  The CFF file is parsed and validated with cffconvert against the
CFF schema; its `preferred-citation` (else the file's own fields) gives the title, authors, year
and DOI to cite.  An invalid file is reported on the record and the repository's facts are used.

Budget: 60 requests an hour without a token, 5,000 with `GITHUB_TOKEN`.  The client reads
`X-RateLimit-Remaining`/`-Reset`; when the budget is spent and resets after `--max-wait`, the
run stops cleanly and says when it resets; the repositories not asked stay due for the next run.
Requests are conditional (`If-None-Match` with the last ETag, kept in the validator cache): an
unchanged repository answers `304` at no budget.

A renamed or transferred repository answers `301` with the new location (on the API host only);
it is followed and the record keeps the name asked for (`moved_from`) beside the new one.  `404`
is a named failure.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from ...model import Link
from ...net import HttpResponse
from ..polite import FetchError, PoliteClient, Politeness, endpoint
from ..source import Batch, Facts, MetadataSource
from ..store import Record
from ._common import check_json, clean, json_body, parse_datetime, year_of

_REPO = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
API_VERSION = "2022-11-28"
RAW_URL = "https://raw.githubusercontent.com"


class Citation(BaseModel):
    """What a repository's CITATION.cff asks to be cited: its `preferred-citation` if any,
    else the software itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    authors: list[str] = Field(default_factory=list)
    year: str = ""
    doi: str = ""
    type: str = "software"
    venue: str = ""
    preferred: bool = False
    """True when this is the file's `preferred-citation` (another work, often the paper)."""


class GitHubRecord(Record):
    """GitHub's record of a repository, its owner's name and its CITATION.cff."""

    id: str
    """The repository as cited (`owner/repo`)."""
    full_name: str
    """Its name now (differs from `id` after a rename or transfer)."""
    moved_from: str | None = None
    """The name asked for, when GitHub redirected to another (renamed or transferred)."""
    name: str
    description: str | None = None
    owner: str
    owner_type: str | None = None
    owner_name: str | None = None
    """The owner's display name (`GET /users/{login}`), when set."""
    license: str | None = None
    """SPDX id (`NOASSERTION` for a licence GitHub does not recognise)."""
    homepage: str | None = None
    topics: list[str] = Field(default_factory=list)
    stars: int | None = None
    created_at: datetime | None = None
    pushed_at: datetime | None = None
    default_branch: str | None = None
    archived: bool = False
    fork: bool = False
    citation: Citation | None = None
    citation_problem: str | None = None
    """Why a CITATION.cff present on the branch was not used (invalid CFF)."""


def parse_cff(text: str) -> Citation:
    """The citation a CITATION.cff asks for; `ValueError` saying why when it is not valid CFF
    (parsed and validated by cffconvert against the schema of its `cff-version`)."""
    from cffconvert import Citation as CffFile  # type: ignore[import-untyped]

    try:
        cff = CffFile(text)
        cff.validate()
    except Exception as exc:  # YAML, version and schema errors all mean "not valid CFF"
        message = clean(str(exc).split("\n\n", 1)[0])
        raise ValueError(message[:200] or type(exc).__name__) from None
    data = cff.cffobj
    if not isinstance(data, dict):
        raise ValueError("not a CFF mapping")
    preferred = data.get("preferred-citation")
    ref = preferred if isinstance(preferred, dict) else data
    title = clean(ref.get("title"))
    if not title:
        raise ValueError("no title")
    year = year_of(ref.get("year")) or year_of(ref.get("date-published"))
    year = year or year_of(ref.get("date-released")) or year_of(data.get("date-released"))
    doi = clean(ref.get("doi")) or next(
        (
            clean(i.get("value"))
            for i in ref.get("identifiers") or []
            if isinstance(i, dict) and i.get("type") == "doi"
        ),
        "",
    )
    conference = ref.get("conference")
    venue = clean(ref.get("journal")) or clean(ref.get("collection-title"))
    if not venue and isinstance(conference, dict):
        venue = clean(conference.get("name"))
    return Citation(
        title=title,
        authors=[n for n in (cff_name(a) for a in ref.get("authors") or []) if n],
        year=year,
        doi=doi,
        type=clean(ref.get("type")) or "software",
        venue=venue,
        preferred=ref is preferred,
    )


def cff_name(person: Any) -> str:
    """A CFF person (`given-names`, `name-particle`, `family-names`, `name-suffix`) or entity
    (`name`) as one name."""
    if not isinstance(person, dict):
        return ""
    parts = [person.get(k) for k in ("given-names", "name-particle", "family-names")]
    name = clean(" ".join(p for p in parts if isinstance(p, str)))
    if name and isinstance(person.get("name-suffix"), str):
        name = f"{name} {clean(person['name-suffix'])}"
    return name or clean(person.get("name")) or clean(person.get("alias"))


class GitHubSource(MetadataSource[GitHubRecord]):
    """GitHub repositories."""

    name = "github"
    record_type = GitHubRecord
    default_policy: ClassVar[Politeness] = Politeness(
        batch_size=1,
        min_interval=1.0,
        retry_status=frozenset({429, 500, 502, 503, 504}),
        rate_limit_headers=("X-RateLimit-Remaining", "X-RateLimit-Reset"),
    )
    default_url = "https://api.github.com"
    id_description = "a GitHub repository (owner/repo)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owners: dict[str, tuple[str | None, str | None]] = {}

    sites: ClassVar[frozenset[str] | None] = frozenset({"github"})

    def ids_for(self, link: Link) -> str | None:
        return link.id if link.source == "github" else None

    def normalise(self, ident: str) -> str | None:
        ident = ident.strip().removeprefix("https://github.com/").strip("/")
        return ident if _REPO.fullmatch(ident) else None

    @property
    def token(self) -> str:
        """The token to send: the run's key, else `GITHUB_TOKEN` (never from notes)."""
        return self.config.api_key or os.environ.get("GITHUB_TOKEN", "")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def fetch_batch(self, ids: list[str], http: PoliteClient) -> Batch[GitHubRecord]:
        batch: Batch[GitHubRecord] = Batch()
        for ident in ids:
            try:
                batch.records[ident] = self._fetch(ident, http)
            except FetchError as exc:
                message = str(exc)
                if "budget" in message and not self.token:
                    message += "; a GITHUB_TOKEN raises the budget to 5,000 requests an hour"
                batch.failures[ident] = message
                if exc.stop:
                    batch.stop = message
                    rest = ids[ids.index(ident) + 1 :]
                    batch.failures.update(dict.fromkeys(rest, f"not asked: {message}"))
                    break
        return batch

    def _api(self, path: str, http: PoliteClient) -> HttpResponse:
        base = self.config.base_url.rstrip("/")
        return http.get(base + path, headers=self.headers(), check=check_json, conditional=True)

    def _fetch(self, ident: str, http: PoliteClient) -> GitHubRecord:
        base = self.config.base_url.rstrip("/")
        url = f"{base}/repos/{quote(ident, safe='/')}"
        resp = self._api(f"/repos/{quote(ident, safe='/')}", http)
        moved_from = None
        for _ in range(3):  # a rename, then maybe a transfer
            if resp.status not in (301, 302, 307, 308):
                break
            location = resp.header("Location") or ""
            if not location.startswith(base + "/"):
                raise FetchError(f"GitHub redirected outside its API ({location[:80]!r})")
            moved_from = ident
            url = location
            resp = self._api(location[len(base) :], http)
        if resp.status == 404:
            raise FetchError("no such repository on GitHub (404: deleted, private or mistyped)")
        if resp.status in (401, 403, 451):
            message = clean(_message(resp))
            raise FetchError(f"GitHub refused it (HTTP {resp.status}: {message[:120]})")
        if resp.status not in (200, 304):
            raise FetchError(f"HTTP {resp.status} from GitHub (not retried)")
        repo = json_body(resp, "GitHub repository")
        if not isinstance(repo, dict) or not repo.get("full_name"):
            raise FetchError("GitHub's answer is not a repository")
        owner = repo.get("owner") or {}
        login = clean(owner.get("login")) or str(repo["full_name"]).split("/")[0]
        owner_name, _ = self._owner(login, http)
        full_name = clean(repo["full_name"])
        if moved_from is not None and full_name.casefold() == ident.casefold():
            moved_from = None
        licence = repo.get("license") or {}
        citation, problem = self._citation(full_name, clean(repo.get("default_branch")), http)
        return GitHubRecord(
            id=ident,
            full_name=full_name,
            moved_from=moved_from,
            name=clean(repo.get("name")) or full_name.split("/")[-1],
            description=clean(repo.get("description")) or None,
            owner=login,
            owner_type=clean(owner.get("type")) or None,
            owner_name=owner_name,
            license=clean(licence.get("spdx_id")) or None if isinstance(licence, dict) else None,
            homepage=clean(repo.get("homepage")) or None,
            topics=[clean(t) for t in repo.get("topics") or [] if clean(t)],
            stars=repo.get("stargazers_count") if isinstance(repo.get("stargazers_count"), int)
            else None,
            created_at=parse_datetime(repo.get("created_at")),
            pushed_at=parse_datetime(repo.get("pushed_at")),
            default_branch=clean(repo.get("default_branch")) or None,
            archived=bool(repo.get("archived")),
            fork=bool(repo.get("fork")),
            citation=citation,
            citation_problem=problem,
            retrieved_at=http.clock.now().replace(microsecond=0),
            retrieved_from=url,
        )  # fmt: skip

    def _owner(self, login: str, http: PoliteClient) -> tuple[str | None, str | None]:
        """(display name, type) of a user or organisation, asked once per run."""
        if login not in self._owners:
            resp = self._api(f"/users/{quote(login)}", http)
            if resp.status in (200, 304):
                user = json_body(resp, "GitHub user")
                found = (clean(user.get("name")) or None, clean(user.get("type")) or None)
            else:
                found = (None, None)
            self._owners[login] = found
        return self._owners[login]

    def _citation(
        self, full_name: str, branch: str, http: PoliteClient
    ) -> tuple[Citation | None, str | None]:
        """The repository's CITATION.cff, parsed: (citation, None), (None, why it is invalid)
        or (None, None) when there is none."""
        if not branch:
            return None, None
        raw = endpoint(self.config, self.name, "raw", RAW_URL)
        url = f"{raw}/{quote(full_name, safe='/')}/{quote(branch, safe='')}/CITATION.cff"
        resp = http.get(url, conditional=True)
        if resp.status == 404:
            return None, None
        if resp.status not in (200, 304):
            raise FetchError(f"HTTP {resp.status} reading CITATION.cff")
        try:
            return parse_cff(resp.body.decode("utf-8", "replace")), None
        except ValueError as exc:
            return None, f"CITATION.cff is not valid CFF ({exc}); the repository's facts are used"

    def describe(self, record: GitHubRecord) -> Facts:
        cite = record.citation
        owner = record.owner_name or record.owner
        created = record.created_at
        return Facts(
            title=cite.title if cite else record.name,
            authors=tuple(cite.authors) if cite and cite.authors else (owner,),
            year=(cite.year if cite and cite.year else "") or year_of(created),
            date=created.isoformat() if created else "",
            description=record.description or "",
            doi=cite.doi if cite else "",
            retrieved=record.retrieved_at.date(),
            sources=(self.name,),
            license=record.license or "",
            site="GitHub",
            genre="software",
        )

    def describe_change(self, old: GitHubRecord, new: GitHubRecord) -> str:
        if old.full_name != new.full_name:
            return f"moved: {old.full_name} → {new.full_name}"
        return super().describe_change(old, new)


def _message(resp: HttpResponse) -> str:
    try:
        body = json_body(resp, "GitHub error")
    except FetchError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""
