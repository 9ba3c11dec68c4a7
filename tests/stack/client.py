"""A small HTTP client for the scale-out test: one cookie jar used against any port (instance A,
instance B, or the balancer), forms filled from the page as a browser would, multipart uploads."""

import http.client
import secrets
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from demo import loadgen

HOST = "127.0.0.1"


class FormFields(HTMLParser):
    """The fields of the page's POST forms, with the values a browser would send untouched:
    {form index: {name: value}} (the first option of a select, checked boxes and radios)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None or (not attrs.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file", "reset"}:
                self._form[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select:
            # The selected option, else the first that is not the empty "---------" one.
            value = attrs.get("value") or ""
            if "selected" in attrs or not self._form.get(self._select):
                self._form[self._select] = value
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data


def form_fields(page, needed):
    """The fields of the page's first POST form holding every name in ``needed``."""
    parser = FormFields()
    parser.feed(page)
    for form in parser.forms:
        if set(needed) <= form.keys():
            return dict(form)
    raise http.client.HTTPException(f"no form on the page with {sorted(needed)}")


def multipart(fields, files):
    boundary = f"stack{secrets.token_hex(12)}"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One visitor: its cookies go with every request, whichever port it goes to."""

    def __init__(self, cookies=None, timeout=15, host=None):
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        # The Host header, when it must be the same on every port (as behind one site name).
        self.host = host

    @classmethod
    def logged_in(cls, port, email, password):
        return cls(loadgen.login(HOST, port, email, password))

    def request(self, port, method, path, body=None, headers=None):
        """(status, headers, body bytes); no redirect is followed."""
        connection = http.client.HTTPConnection(HOST, port, timeout=self.timeout)
        try:
            sent = dict(headers or {})
            if self.host:
                sent["Host"] = self.host
            if self.cookies:
                sent["Cookie"] = loadgen.cookie_header(self.cookies)
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
            loadgen._store_cookies(response, self.cookies)
            return response.status, response.headers, content
        finally:
            connection.close()

    def get(self, port, path):
        return self.request(port, "GET", path)

    def submit(self, port, path, values, files=None, needed=("csrfmiddlewaretoken",)):
        """GET the form at ``path``, change ``values``, POST it back (with ``files``):
        (status, Location path or "", body)."""
        status, _, page = self.get(port, path)
        if status != 200:
            return status, "", page
        fields = form_fields(page.decode(), needed)
        fields.update(values)
        headers = {"Referer": f"http://{HOST}:{port}{path}"}
        if files:
            body, headers["Content-Type"] = multipart(fields, files)
        else:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, content = self.request(port, "POST", path, body, headers)
        return status, urlsplit(response_headers.get("Location", "")).path, content
