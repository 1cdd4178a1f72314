"""The full-screen charge-entry screen (``medbill charge entry``), built with Textual.

One day, one patient at a time, one line per Enter. Keyboard only and laid out for 80x24:

- Date and Patient at the top; typing in Patient searches by name, account or date of birth.
- Code, Mod (modifiers), Units, Dx (diagnoses, space separated) and Fee for the line; Code, Mod
  and Dx search the loaded code sets as you type (the search of ``codes search``). Down moves
  into the suggestions, Enter there takes one, Escape goes back. The fee fills in from the
  fee schedule; typing over it overrides the schedule for this line.
- Each field is checked as ``charge add`` checks it when you leave it; the message shows under
  the line. Enter on a line field saves the line through ``charge add``'s own service call (one
  transaction per line, audited); a refused line is shown inline and nothing is written.
- The side panel keeps the day's totals per encounter form: the form's charges against what
  was entered, and what it says was collected against what was posted (``!`` marks an
  encounter that does not balance yet).

Keys: Tab / Shift+Tab move, Enter saves, Ctrl+N next patient, Ctrl+T the date, Ctrl+Q quits.
Textual is imported only by this module, which only ``charge entry`` imports.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import ClassVar, TypeVar

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from medbill_cli.cli._entry_backend import (
    DayTotals,
    EntryBackend,
    LineInput,
    PatientHit,
    SavedLine,
)
from medbill_cli.errors import MedbillError
from medbill_cli.money import fmt

T = TypeVar("T")

LINE_FIELDS = ("code", "mods", "units", "dx", "fee")
SEARCH_KIND = {"code": "proc", "mods": "mod", "dx": "dx"}  # field -> kind of code searched
TOKEN_FIELDS = ("mods", "dx")  # fields that hold several codes: search the last one


class SearchInput(Input):
    """An input whose Down key moves into the suggestions below it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "app.suggestions", "Suggestions", show=False),
    ]


def _tokens(text: str) -> list[str]:
    return text.replace(",", " ").split()


class ChargeEntryApp(App[None]):
    """Charge entry for one day; see the module docstring for the keys."""

    TITLE = "medbill charge entry"
    CSS = """
    Screen { layout: horizontal; }
    #main { width: 1fr; }
    #side { width: 28; border-left: solid $primary; padding: 0 1; }
    .row { height: 1; }
    .row Label { width: auto; padding: 0 1 0 0; }
    Input { border: none; height: 1; padding: 0 1; margin: 0 1 0 0; }
    Input:focus { background: $boost; }
    #date { width: 13; }
    #patient { width: 1fr; }
    #code { width: 9; }
    #mods { width: 13; }
    #units { width: 6; }
    #dx { width: 1fr; }
    #fee { width: 11; }
    #who, #msg { height: 1; }
    #check { height: 2; }
    #check.error, #msg.error { color: $error; }
    #suggest { height: 5; border: none; }
    #lines { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_patient", "Next patient"),
        Binding("ctrl+t", "focus_date", "Date"),
        Binding("escape", "leave_suggestions", "Back", show=False),
    ]

    def __init__(self, backend: EntryBackend, date: dt.date | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.day = date or dt.date.today()
        self.patient: PatientHit | None = None
        self.saved: list[SavedLine] = []
        self.totals: DayTotals | None = None
        self.save_seconds: list[float] = []  # each save as the biller waits for it (bench)
        self._suggest_for: str | None = None
        self._suggest_values: list[str] = []
        self._auto_fee = ""
        self._fee_typed = False
        self._echo: dict[str, str] = {}  # values set by the screen, not typed

    def _fatal_error(self) -> None:
        """A bug: one line, not Textual's traceback, whose locals would show patient data.
        MEDBILL_DEBUG=1 shows the traceback. Lines saved before it stay saved."""
        if os.environ.get("MEDBILL_DEBUG"):
            super()._fatal_error()
            return
        self.bell()
        name = type(self._exception).__name__ if self._exception else "error"
        self._exit_renderables.append(Text(
            f"Error: Internal error ({name}); the lines saved before it are kept. Run again "
            "with MEDBILL_DEBUG=1 to see the traceback, and report it.", no_wrap=True,
            overflow="ignore"))
        self._close_messages_no_wait()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(classes="row"):
                yield Label("Date")
                yield Input(self.day.isoformat(), id="date")
                yield Label("Patient")
                yield SearchInput(placeholder="name, account or DOB", id="patient")
            yield Static("No patient yet: type a name, an account or a date of birth.", id="who")
            with Horizontal(classes="row"):
                yield Label("Code")
                yield SearchInput(id="code")
                yield Label("Mod")
                yield SearchInput(id="mods")
                yield Label("Units")
                yield Input("1", id="units")
            with Horizontal(classes="row"):
                yield Label("Dx")
                yield SearchInput(placeholder="diagnoses", id="dx")
                yield Label("Fee")
                yield Input(id="fee")
            yield Static("", id="check")
            yield OptionList(id="suggest")
            yield DataTable(id="lines", cursor_type="none", zebra_stripes=True)
            yield Static("Enter saves the line.", id="msg")
            yield Footer()
        yield Static("", id="side")

    def on_mount(self) -> None:
        table = self.query_one("#lines", DataTable)
        table.add_columns("id", "acct", "code", "mod", "u", "amount", "dx", "ptr")
        self.backend.warm()
        self.refresh_totals()
        self.query_one("#patient", Input).focus()

    # ------------------------------------------------------------------ helpers

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def set_value(self, field: str, text: str) -> None:
        inp = self.query_one(f"#{field}", Input)
        if inp.value != text:
            self._echo[field] = text  # the Changed this posts is ours: no search for it
        inp.value = text
        inp.cursor_position = len(text)

    def show(self, target: str, text: str, *, error: bool = False) -> None:
        w = self.query_one(f"#{target}", Static)
        w.update(text)
        w.set_class(error, "error")

    def refresh_totals(self) -> None:
        self.totals = self.backend.day_totals(self.day)
        self.query_one("#side", Static).update(_side_text(self.totals))

    def _set_suggestions(self, field: str | None, items: list[tuple[str, str]]) -> None:
        ol = self.query_one("#suggest", OptionList)
        ol.clear_options()
        self._suggest_for = field if items else None
        self._suggest_values = [v for v, _ in items]
        ol.add_options([Option(f"{v}  {label}"[:70]) for v, label in items])

    # ------------------------------------------------------------------ typing

    def on_input_changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        if field == "fee":
            self._fee_typed = event.value.strip() != self._auto_fee
            return
        if field in self._echo and self._echo[field] == event.value:
            del self._echo[field]
            return
        if field == "patient":
            people = self._quiet(lambda: self.backend.find_patients(event.value)) or []
            self._set_suggestions(field, [(p.account, f"{p.name}  {p.dob.isoformat()}")
                                          for p in people])
        elif field in SEARCH_KIND:
            words = _tokens(event.value) if field in TOKEN_FIELDS else [event.value]
            text = words[-1] if words and not event.value.endswith(" ") else ""
            hits = self._quiet(
                lambda: self.backend.find_codes(SEARCH_KIND[field], text, self.day)) or []
            self._set_suggestions(field, [(h.code, h.description) for h in hits])

    @staticmethod
    def _quiet(fn: Callable[[], list[T]]) -> list[T] | None:
        """A search as you type: a half-typed query that the search refuses shows nothing."""
        try:
            return fn()
        except MedbillError:
            return None

    def on_input_blurred(self, event: Input.Blurred) -> None:
        field = event.input.id or ""
        if field in ("code", "mods", "dx") and event.value.strip():
            self.check_field(field)
        if field in ("code", "mods"):
            self.fill_fee()

    def check_field(self, field: str) -> bool:
        """Check one field as ``charge add`` would; show the description or the error."""
        codes = [self.value(field)] if field == "code" else _tokens(self.value(field))
        shown: list[str] = []
        for c in codes:
            try:
                shown.append(self.backend.describe(SEARCH_KIND[field], c, self.day))
            except MedbillError as exc:
                self.show("check", f"Error: {exc}", error=True)
                return False
        self.show("check", "; ".join(shown)[:78])
        return True

    def fill_fee(self) -> None:
        code = self.value("code")
        if not code or self._fee_typed:
            return
        try:
            cents = self.backend.fee_cents(code, tuple(_tokens(self.value("mods"))), self.day)
        except MedbillError:
            cents = None
        self._auto_fee = fmt(cents) if cents is not None else ""
        self.set_value("fee", self._auto_fee)
        self._fee_typed = False

    # ------------------------------------------------------------------ suggestions

    def action_suggestions(self) -> None:
        ol = self.query_one("#suggest", OptionList)
        if self._suggest_for and ol.option_count:
            ol.highlighted = 0
            ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        field = self._suggest_for
        if field is None or event.option_index >= len(self._suggest_values):
            return
        self.take(field, self._suggest_values[event.option_index])

    def take(self, field: str, chosen: str) -> None:
        """Put a suggestion into its field (the last code of a list field)."""
        self._set_suggestions(None, [])
        if field == "patient":
            self.select_patient(chosen)
            return
        if field in TOKEN_FIELDS:
            words = _tokens(self.value(field))
            if words and not self.query_one(f"#{field}", Input).value.endswith(" "):
                words.pop()
            self.set_value(field, " ".join([*words, chosen]) + " ")
        else:
            self.set_value(field, chosen)
        self.query_one(f"#{field}", Input).focus()
        self.check_field(field)
        self.fill_fee()
        self._set_suggestions(None, [])

    def action_leave_suggestions(self) -> None:
        if self._suggest_for and self.focused is self.query_one("#suggest", OptionList):
            self.query_one(f"#{self._suggest_for}", Input).focus()

    # ------------------------------------------------------------------ date and patient

    def action_focus_date(self) -> None:
        self.query_one("#date", Input).focus()

    def action_new_patient(self) -> None:
        self.patient = None
        self.set_value("patient", "")
        self.show("who", "Next patient: type a name, an account or a date of birth.")
        self.clear_line()
        self.query_one("#patient", Input).focus()

    def select_patient(self, account: str) -> None:
        try:
            self.patient = self.backend.patient(account)
        except MedbillError as exc:
            self.show("who", f"Error: {exc}", error=True)
            return
        p = self.patient
        self.set_value("patient", p.account)
        self._set_suggestions(None, [])
        self.show("who", f"{p.account}  {p.name}  born {p.dob.isoformat()}")
        self.query_one("#code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        field = event.input.id or ""
        if field == "date":
            self.change_date(event.value)
        elif field == "patient":
            text = event.value.strip()
            if self._suggest_for == "patient" and self._suggest_values:
                self.select_patient(self._suggest_values[0])
            elif text:
                self.select_patient(text)
        elif field in LINE_FIELDS:
            self.save_line()

    def change_date(self, text: str) -> None:
        from medbill_cli.dates import parse_date

        try:
            self.day = parse_date(text, what="date of service")
        except MedbillError as exc:
            self.show("msg", f"Error: {exc}", error=True)
            return
        self.set_value("date", self.day.isoformat())
        self.refresh_totals()
        self.show("msg", f"Entering charges for {self.day.isoformat()}.")
        self.query_one("#patient", Input).focus()

    # ------------------------------------------------------------------ saving

    def clear_line(self) -> None:
        for f, v in (("code", ""), ("mods", ""), ("units", "1"), ("dx", ""), ("fee", "")):
            self.set_value(f, v)
        self._auto_fee, self._fee_typed = "", False
        self._set_suggestions(None, [])

    def line(self) -> LineInput | None:
        """The line as typed, after the same field checks ``charge add`` makes; None (with the
        error shown) when one fails."""
        if self.patient is None:
            self.show("msg", "Error: No patient chosen. Type a name or an account above.",
                      error=True)
            return None
        if not self.value("code"):
            self.show("msg", "Error: No procedure code. Type a CPT or HCPCS code.", error=True)
            return None
        if not _tokens(self.value("dx")):
            self.show("msg", "Error: A charge needs at least one diagnosis. Type one in Dx.",
                      error=True)
            return None
        for f in ("code", "mods", "dx"):
            if self.value(f) and not self.check_field(f):
                self.show("msg", "Not saved: fix the line above.", error=True)
                return None
        return LineInput(account=self.patient.account, date=self.day, code=self.value("code"),
                         modifiers=tuple(_tokens(self.value("mods"))),
                         units=self.value("units") or "1", dx=tuple(_tokens(self.value("dx"))),
                         fee=self.value("fee") if self._fee_typed else None)

    def save_line(self) -> None:
        start = time.perf_counter()
        line = self.line()
        if line is None:
            return
        try:
            saved = self.backend.save(line)
        except MedbillError as exc:
            self.show("msg", f"Error: {exc}", error=True)
            return
        except SQLAlchemyError as exc:  # locked, unreachable: the line is not saved; retry
            self.show("msg", f"Error: Database error ({type(exc).__name__}); the line was not "
                             "saved. Press Enter to try again.", error=True)
            return
        self.saved.append(saved)
        self.query_one("#lines", DataTable).add_row(
            str(saved.charge_id), saved.account, saved.code, saved.modifiers, str(saved.units),
            fmt(saved.amount_cents), " ".join(saved.diagnoses), saved.pointers)
        self.refresh_totals()
        self.clear_line()
        self.query_one("#code", Input).focus()
        self.show("msg", f"Saved charge {saved.charge_id}: {saved.code} x{saved.units} "
                         f"{fmt(saved.amount_cents)}, pointers {saved.pointers}."[:78])
        self.show("check", f"Warning: {'; '.join(saved.warnings)}"[:78] if saved.warnings else "")
        self.save_seconds.append(time.perf_counter() - start)


def _side_text(d: DayTotals) -> str:
    """The side panel: each encounter's form against what was entered, then the day."""
    lines = [f"Day {d.date.isoformat()}", ""]
    for e in d.encounters:
        mark = " " if e.balanced else "!"
        form = f"form {e.form}" if e.form else "no form"
        lines.append(f"{mark}#{e.encounter_id} {e.account} {form}"[:26])
        fc = fmt(e.form_charges_cents) if e.form_charges_cents is not None else "-"
        fp = fmt(e.form_collected_cents) if e.form_collected_cents is not None else "-"
        lines.append(f"  chg {fc:>8} {fmt(e.entered_cents):>8}")
        lines.append(f"  col {fp:>8} {fmt(e.posted_cents):>8}")
    if not d.encounters:
        lines.append("No encounters yet.")
    lines += ["", "       form  entered", f"chg {fmt(d.form_charges_cents):>8} "
              f"{fmt(d.entered_cents):>8}", "       form   posted",
              f"col {fmt(d.form_collected_cents):>8} {fmt(d.posted_cents):>8}",
              "Balanced" if d.balanced else "Not balanced yet"]
    return "\n".join(lines)
