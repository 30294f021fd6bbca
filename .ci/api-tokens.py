"""Signs up (or logs in) an account on a running Groundwork and makes a personal access token
through the settings page, as a person would; prints the token. Used by .ci/check-api.

    python3 .ci/api-tokens.py BASE_URL EMAIL PASSWORD register|login SCOPE...
"""

import re
import sys

import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'id="new-token"[^>]*value="(gw_[0-9a-f]+)"')


def csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    page.raise_for_status()
    return CSRF.search(page.text).group(1)


def main() -> None:
    base, email, password, how, *scopes = sys.argv[1:]
    session = requests.Session()
    if how == "register":
        fields = {"email": email, "display_name": email.split("@")[0], "password": password}
        fields["csrf_token"] = csrf(session, f"{base}/register")
        answer = session.post(f"{base}/register", data=fields, allow_redirects=False, timeout=30)
    else:
        fields = {"email": email, "password": password, "csrf_token": csrf(session, f"{base}/login")}
        answer = session.post(f"{base}/login", data=fields, allow_redirects=False, timeout=30)
    if answer.status_code != 303:
        sys.exit(f"{how} {email}: {answer.status_code} {answer.text[:500]}")
    fields = [("name", "schemathesis"), ("expires_in_days", "7")] + [("scope", s) for s in scopes]
    fields.append(("csrf_token", csrf(session, f"{base}/settings/tokens")))
    page = session.post(f"{base}/settings/tokens", data=fields, timeout=10)
    found = TOKEN.search(page.text)
    if page.status_code != 200 or not found:
        sys.exit(f"token for {email}: {page.status_code} {page.text[:500]}")
    print(found.group(1))


if __name__ == "__main__":
    main()
