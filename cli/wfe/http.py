"""The API client: bearer token (refreshed when it expires or is refused), retries, errors as exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wfe import auth
from wfe.config import Session, Stack, TokenStore
from wfe.errors import ERROR_FOR_EXIT, AuthError, CliError, ServerError, exit_code_for_status
from wfe.problems import error_lines

RETRIES = 3
TIMEOUT_SECONDS = (5, 30)  # connect, read
PAGE_LIMIT = 100  # the API's largest page of executions and workflows


def _session_with_retries() -> Any:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    # Connection failures are retried for every method (nothing was sent); 429/5xx answers only for the
    # idempotent methods, as urllib3 does by default: a POST that may have run is not sent twice.
    retry = Retry(
        total=RETRIES,
        connect=RETRIES,
        read=RETRIES,
        status=RETRIES,
        backoff_factor=0.3,
        status_forcelist=(429, 500, 502, 503, 504),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    http = requests.Session()
    http.mount("http://", HTTPAdapter(max_retries=retry))
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.headers["User-Agent"] = "wfe"
    return http


class Api:
    """Calls the API as the signed-in user of one stack."""

    def __init__(self, stack: Stack, store: TokenStore) -> None:
        self.stack = stack
        self.store = store
        self._http = _session_with_retries()
        self._session: Session | None = None

    # --- tokens -------------------------------------------------------------------------------------------
    def session(self) -> Session:
        if self._session is None:
            self._session = self.store.get(self.stack)
            if self._session is None:
                raise AuthError("Not signed in to this stack: run `wfe login USER` (or `wfe signup USER`)")
        if self._session.expired():
            self._refresh()
        return self._session

    def _refresh(self) -> None:
        assert self._session is not None
        self._session = auth.refresh(self.stack, self._session)
        self.store.put(self.stack, self._session)

    def token(self) -> str:
        return self.session().id_token

    # --- requests -----------------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request; return the `requests.Response` of a 2xx answer, raise a CliError otherwise."""
        import requests

        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        headers = dict(kwargs.pop("headers", None) or {})
        refreshed = False
        while True:
            headers["Authorization"] = f"Bearer {self.token()}"
            try:
                response = self._http.request(method, self.stack.api_url + path, headers=headers, **kwargs)
            except requests.RequestException as error:
                raise ServerError(f"Cannot reach the API at {self.stack.api_url}: {_reason(error)}") from None
            if response.status_code == 401 and not refreshed:
                self._refresh()  # the token was refused before its stated expiry (revoked, clock skew...)
                refreshed = True
                continue
            if response.status_code >= 400:
                raise http_error(response)
            return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.json("GET", path, params=_clean(params))

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.json("POST", path, json=body, **kwargs)

    def pages(self, path: str, params: dict[str, Any], follow: bool) -> Iterator[tuple[list[Any], str | None]]:
        """Each page of a listing and the cursor after it; all pages when `follow` (the X-Next-Token cursor)."""
        params = _clean(params)
        while True:
            response = self.request("GET", path, params=params)
            token = response.headers.get("X-Next-Token") or None
            yield response.json(), token
            if not (follow and token):
                return
            params = {**params, "next_token": token}
            params.pop("offset", None)

    def collect(self, path: str, params: dict[str, Any], follow: bool) -> tuple[list[Any], str | None]:
        """The items of one page (or of all pages when `follow`) and the cursor left, if any."""
        items: list[Any] = []
        left = None
        for page, cursor in self.pages(path, params, follow):
            items.extend(page)
            left = cursor
        return items, left


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    """Query parameters without the unset ones; booleans as the API spells them."""
    cleaned = {}
    for key, value in params.items():
        if value is None or value is False:
            continue
        cleaned[key] = "true" if value is True else value
    return cleaned


def _reason(error: Exception) -> str:
    text = str(error)
    return text if len(text) < 300 else text[:300] + "..."


def http_error(response: Any) -> CliError:
    """The CliError of an error answer: its exit code from the status, its text from the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = exit_code_for_status(response.status_code)
    message, details = error_lines(response.status_code, body)
    if response.status_code in (401, 403):
        message = "The API refused the token: run `wfe login` again"
    return ERROR_FOR_EXIT[code](message, details, body)
