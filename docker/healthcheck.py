"""Exit 0 when the web server answers the sign-in page with 200, 1 otherwise.

Usage: healthcheck.py [URL], by default http://127.0.0.1:8000/login/; the web service's
healthcheck in docker-compose.yml runs it. The request carries a host from ALLOWED_HOSTS
(Django answers any other with 400) and X-Forwarded-Proto: https, as a TLS proxy in front
would, so SECURE_SSL_REDIRECT does not turn the answer into a redirect.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host(allowed_hosts: str) -> str:
    for host in (h.strip() for h in allowed_hosts.split(",")):
        if host and host != "*":
            return host.lstrip(".")
    return "localhost"


def main(url: str = "http://127.0.0.1:8000/login/") -> int:
    request = urllib.request.Request(
        url,
        headers={
            "Host": probe_host(os.environ.get("ALLOWED_HOSTS", "")),
            "X-Forwarded-Proto": "https",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
