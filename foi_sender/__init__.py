"""foi-sender: draft, send and track Freedom of Information requests to UK councils."""

__version__ = "0.1.0"
