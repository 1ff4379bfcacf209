"""The kinds of page the load test asks for: each one's name in the figures, and the tag its X-Request-ID starts with
(letters, digits, - . _ only), so scripts/load.sh can find the server's own time for each in its access log."""

PAGES = {
    "/directory (pages 1-5)": "directory-first",
    "/directory (deep page)": "directory-deep",
    "/directory (district, service)": "directory-filtered",
    "/directory?q= (keywords)": "directory-keywords",
    "/directory/<id>": "provider",
    "/api/v1/eligible-providers": "api",
    "(revalidate: 304)": "revalidate",
    "/commissioner/search": "commissioner-search",
}
