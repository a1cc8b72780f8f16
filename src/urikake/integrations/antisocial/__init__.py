"""The anti-social-forces (反社チェック) screening vendor: adapter and local simulator."""
