"""Run sheets and the day's roster as PDF (fpdf2, pure Python): one driver per page, large
type, for drivers without a smartphone and for the office wall."""

from __future__ import annotations

from datetime import date

from fpdf import FPDF
from fpdf.fonts import FontFace

from booking.board_routes import Route

HEADINGS = ("Time", "What", "Who", "Where", "Needs / notes")
WIDTHS = (16, 22, 38, 62, 52)


def _latin1(text: str) -> str:
    """The built-in PDF fonts are Latin-1: other characters become '?' rather than fail."""
    return text.replace("–", "-").replace("—", "-").replace("’", "'").encode(
        "latin-1", "replace").decode("latin-1")


def routes_pdf(scheme: str, day: date, routes: list[Route]) -> bytes:
    """A PDF with one page per driver (a page saying so when nobody drives that day)."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(_latin1(f"{scheme}: run sheets {day.isoformat()}"))
    pdf.set_auto_page_break(auto=True, margin=15)
    when = f"{day:%A} {day.day} {day:%B %Y}"
    if not routes:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 18)
        pdf.cell(0, 12, _latin1(f"{scheme}: {when}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 13)
        pdf.cell(0, 10, "No trips for any driver this day.")
    for route in routes:
        _page(pdf, scheme, when, route)
    return bytes(pdf.output())


def _page(pdf: FPDF, scheme: str, when: str, route: Route) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, _latin1(f"Run sheet: {route.driver}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 8, _latin1(f"{scheme}, {when}. About {route.miles:.0f} miles."),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 11)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 230, 236))
    with pdf.table(col_widths=WIDTHS, headings_style=heading, line_height=6,
                   text_align="LEFT") as table:
        table.row(HEADINGS)
        for stop in route.stops:
            notes = ", ".join(stop.needs)
            if stop.note:
                notes = f"{notes}. {stop.note}" if notes else stop.note
            if stop.status not in ("accepted", "on board", "done"):
                notes = f"{notes} [{stop.status}]".strip()
            table.row(tuple(_latin1(x) for x in (stop.at, stop.action, stop.passenger,
                                                 stop.place, notes)))
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "Text PICKED UP, DROPPED OFF or NO SHOW as you go. If anything "
                   "changes, phone the coordinator.")
