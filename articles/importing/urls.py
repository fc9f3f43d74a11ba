"""URL canonicalisation: the natural key of an article. No Django imports."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidURL(ValueError):
    pass


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment, default port and ``utm_*`` parameters.

    Path and the remaining query keep their case and order: servers may treat them as
    case-sensitive, so two links that differ there are two articles.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise InvalidURL(f"only http and https links are accepted, not {scheme or 'no scheme'!r}")
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidURL("the link has no host")
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidURL("the link has an invalid port") from exc
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_")
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def source_domain(url: str) -> str:
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host.removeprefix("www.")
