"""Urikake — 売掛債権流動化プラットフォーム (receivables liquidity as a service)."""

__version__ = "0.1.0"
