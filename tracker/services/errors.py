class TrackerError(Exception):
    """An action that is not allowed now; the message says why, for the user."""
