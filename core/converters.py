"""Path converters that match only what the app can look up, so a tampered segment (a NUL byte,
a 300-character reference, an id beyond a 64-bit integer) is a 404 from the URL resolver and
never reaches the database, where each engine would fail its own way."""

from django.urls import register_converter

# The largest primary key either database can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdConverter:
    """A primary key: 1 to 19 digits, at most MAX_ID."""

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError("Not a primary key.")
        return number

    def to_url(self, value):
        return str(value)


class ReferenceConverter:
    """An IfATE reference as stored (letters and digits, e.g. ST0825), up to 20 characters."""

    regex = "[A-Za-z0-9]{1,20}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


class VersionConverter(ReferenceConverter):
    """A standard's version (e.g. 1.0, 1.1), up to 20 characters."""

    regex = "[0-9][0-9.]{0,19}"


class TokenConverter(ReferenceConverter):
    """An invitation link's token (secrets.token_urlsafe), up to 100 characters."""

    regex = "[A-Za-z0-9_-]{1,100}"


def _register():
    register_converter(IdConverter, "id")
    register_converter(ReferenceConverter, "reference")
    register_converter(VersionConverter, "version")
    register_converter(TokenConverter, "token")


_register()
