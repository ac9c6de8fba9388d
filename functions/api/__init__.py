"""The HTTP API's functions. Importing the package first registers Powertools' event handler package without the
resolvers an HTTP API never uses (api.lean_event_handler): every handler module here benefits, before it imports."""

from api.lean_event_handler import install

install()
