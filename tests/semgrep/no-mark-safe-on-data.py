# Samples for .semgrep/no-mark-safe-on-data.yml (semgrep --test).
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def render(company_name):
    # ruleid: no-mark-safe-on-data
    a = mark_safe(f"<b>{company_name}</b>")
    # ruleid: no-mark-safe-on-data
    b = SafeString(company_name)
    # ok: no-mark-safe-on-data
    c = mark_safe("<br>")
    # ok: no-mark-safe-on-data
    d = format_html("<b>{}</b>", company_name)
    return a, b, c, d
