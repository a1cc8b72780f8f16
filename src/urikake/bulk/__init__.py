"""一括ファクタリング (seed 004 III): its own app on the product seam."""
