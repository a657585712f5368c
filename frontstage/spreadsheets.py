"""Cells of the CSV files people open in a spreadsheet."""

# A cell starting with one of these runs as a formula in Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """`text` kept as text in a spreadsheet (CSV injection): a leading quote before a formula.

    An empty cell stays empty.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text
