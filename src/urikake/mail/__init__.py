"""Outgoing mail: the one way the platform sends e-mail (see :mod:`urikake.mail.services`)."""
