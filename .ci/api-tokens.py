"""Accounts and personal access tokens on a running Groundwork, made through its pages as a
person would. Used by .ci/check-api.

    python3 .ci/api-tokens.py register BASE EMAIL PASSWORD
    python3 .ci/api-tokens.py promote BASE ADMIN_EMAIL ADMIN_PASSWORD EMAIL ROLE
    python3 .ci/api-tokens.py token BASE EMAIL PASSWORD SCOPE...     (prints the token)
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


def post(session: requests.Session, base: str, path: str, fields, expect: int) -> requests.Response:
    fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
    # The token belongs to the session; any page with a form carries it.
    fields.append(("csrf_token", csrf(session, f"{base}/password-reset")))
    answer = session.post(f"{base}{path}", data=fields, allow_redirects=False, timeout=30)
    if answer.status_code != expect:
        sys.exit(f"POST {path}: {answer.status_code} {answer.text[:500]}")
    return answer


def logged_in(base: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    post(session, base, "/login", {"email": email, "password": password}, 303)
    return session


def main() -> None:
    command, base, *rest = sys.argv[1:]
    if command == "register":
        email, password = rest
        fields = {"email": email, "display_name": email.split("@")[0], "password": password}
        post(requests.Session(), base, "/register", fields, 303)
    elif command == "promote":
        admin, admin_password, email, role = rest
        session = logged_in(base, admin, admin_password)
        users = session.get(f"{base}/admin/users", params={"q": email}, timeout=10).text
        user_id = re.search(r'action="/admin/users/([0-9a-f-]+)/role"', users).group(1)
        post(session, base, f"/admin/users/{user_id}/role", {"role": role}, 303)
    elif command == "token":
        email, password, *scopes = rest
        session = logged_in(base, email, password)
        fields = [("name", "schemathesis"), ("expires_in_days", "7")] + [("scope", s) for s in scopes]
        page = post(session, base, "/settings/tokens", fields, 200)
        print(TOKEN.search(page.text).group(1))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
