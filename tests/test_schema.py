"""One source of truth for the record's fields (extractor.schema).

The database tables, the flat views, Datasette's column help and the CSV export all come
from the record dataclasses' field metadata. The last test proves it the way a developer
meets it: it adds a field to ``Dose``, ``Result`` and ``Document`` in a copy of the package
and checks that each shows up everywhere, with no other edit.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extractor import records, schema
from extractor.export.tables import DOSE_COLUMNS, OUTCOME_COLUMNS, STUDY_COLUMNS
from extractor.migrations import VIEWS, pending_columns, stale_views
from extractor.serve import datasette_metadata
from extractor.store import open_db

ROOT = Path(__file__).resolve().parents[1]

RECORD_CLASSES = [
    obj
    for obj in vars(records).values()
    if dataclasses.is_dataclass(obj) and obj.__module__ == records.__name__
]


@pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__name__)
def test_every_record_field_says_what_it_holds(cls: type) -> None:
    for f in dataclasses.fields(cls):
        assert f.metadata.get("description"), f"{cls.__name__}.{f.name} has no description"


def test_a_new_database_has_every_column_the_records_name(tmp_path: Path) -> None:
    db = open_db(tmp_path / "e.db")
    assert pending_columns(db) == {}
    assert stale_views(db) == []
    for table, columns in schema.table_columns().items():  # nothing stored but the fields
        assert {c.name for c in columns} == set(db.table(table).columns_dict), table


def test_every_column_of_every_table_and_view_has_help(tmp_path: Path) -> None:
    db = open_db(tmp_path / "e.db")
    tables = datasette_metadata()["databases"]["evidence"]["tables"]
    for name in [*schema.table_columns(), *VIEWS]:
        described = tables[name]["columns"]
        stored = [row[1] for row in db.execute(f"PRAGMA table_info([{name}])").fetchall()]
        assert stored and set(stored) == set(described), name


def test_an_old_database_gets_the_views_of_the_current_fields(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    db = open_db(path)
    db.execute("DROP VIEW doses_view")
    db.execute("CREATE VIEW doses_view AS SELECT doc_id FROM doses")
    db.conn.commit()
    assert stale_views(db) == ["doses_view"]
    db.close()
    db = open_db(path)
    assert stale_views(db) == []
    columns = [row[1] for row in db.execute("PRAGMA table_info(doses_view)").fetchall()]
    assert columns[-3:] == ["text", "start", "end"] and "amount" in columns


def test_csv_columns_follow_the_fields() -> None:
    dose_fields = {f.name for f in dataclasses.fields(records.Dose)}
    assert dose_fields - {"source"} <= set(DOSE_COLUMNS)
    result_fields = {f.name for f in dataclasses.fields(records.Result)}
    assert result_fields - {"source"} <= set(OUTCOME_COLUMNS)
    assert {"title", "pmid", "doi", "pmcid", "year", "journal"} <= set(STUDY_COLUMNS)
    assert DOSE_COLUMNS[-3:] == OUTCOME_COLUMNS[-3:] == ("text", "start", "end")


# A field added to three record classes, in a copy of the package: nothing else is edited.
_NEW_FIELDS = {
    "    phase: str | None = field(": (
        "    infusion_rate: str | None = field(\n"
        '        default=None, metadata=about("Infusion rate as written (test field).")\n'
        "    )\n"
    ),
    "    time_point: str | None = field(": (
        "    responder_rule: str | None = field(\n"
        '        default=None, metadata=about("Responder definition (test field).")\n'
        "    )\n"
    ),
    "    pmcid: str | None = field(": (
        "    registry_id: str | None = field(\n"
        '        default=None, metadata=about("Trial registry id (test field).")\n'
        "    )\n"
    ),
}

_PROBE = r"""
import json, sys
from pathlib import Path
# An editable install maps "extractor" to the checkout ahead of PYTHONPATH: use the copy.
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in str(f.__module__)]
import extractor
assert extractor.__file__.startswith(sys.argv[1]), extractor.__file__
from extractor.export.tables import write_csv
from extractor.records import Document, Dose, Evidence, Intervention, Outcome, Result
from extractor.serve import datasette_metadata
from extractor.store import load_record, open_db, store_record

out = Path(sys.argv[1])
text = "Twelve patients received IVIg 1 g/kg at 2 ml/min; 5 responded (>75%)."
doc = Document(title="IVIg trial", abstract=text, pmid="1", registry_id="NCT01234567")
dose = Dose(1.0, "g", "1 g/kg", 31, 37, per="kg", infusion_rate="2 ml/min")
result = Result("5 responded", 50, 61, count=5, responder_rule=">75%")
record = Evidence(
    id="pmid:1",
    document=doc,
    interventions=(Intervention("IVIg", 25, 29, doses=(dose,)),),
    outcomes=(Outcome("response", results=(result,)),),
)
report = {}
for name in ("old.db", "new.db"):  # old.db was made by the unchanged package
    db = open_db(out / name)
    store_record(db, record)
    report[name] = {
        table: dict(zip([d[0] for d in cur.description], cur.fetchone()))
        for table, cur in (
            (t, db.execute(f"SELECT * FROM [{t}]"))
            for t in ("documents", "doses", "outcomes", "doses_view", "outcomes_view")
        )
    }
loaded = load_record(db, "pmid:1")  # the record JSON read back by field declarations
report["loaded"] = [
    loaded.interventions[0].doses[0].infusion_rate,
    loaded.outcomes[0].results[0].responder_rule,
    loaded.document.registry_id,
]
tables = datasette_metadata()["databases"]["evidence"]["tables"]
report["help"] = {name: tables[name]["columns"] for name in tables if "columns" in tables[name]}
report["csv"] = {}
for path in write_csv([record], out / "csv"):
    header, row = (path.read_text().splitlines() + [""])[:2]
    report["csv"][path.name] = [header, row]
print(json.dumps(report))
"""


def test_a_field_added_to_a_record_class_shows_up_everywhere(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "extractor", package / "extractor")
    source = package / "extractor" / "records.py"
    text = source.read_text()
    for anchor, new in _NEW_FIELDS.items():
        assert text.count(anchor) == 1, anchor
        text = text.replace(anchor, new + anchor)
    source.write_text(text)
    open_db(tmp_path / "old.db").close()  # a database of the schema before the change

    env = {**os.environ, "PYTHONPATH": str(package)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # not the checkout: python -c puts the working folder first on sys.path
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    for name in ("old.db", "new.db"):  # the store: tables, flat views, and read back
        rows = report[name]
        assert rows["documents"]["registry_id"] == "NCT01234567"
        assert rows["doses"]["infusion_rate"] == rows["doses_view"]["infusion_rate"] == "2 ml/min"
        assert rows["outcomes"]["responder_rule"] == rows["outcomes_view"]["responder_rule"]
        assert rows["outcomes"]["responder_rule"] == ">75%"
    assert report["loaded"] == ["2 ml/min", ">75%", "NCT01234567"]
    help_ = report["help"]  # Datasette's column help
    assert help_["doses"]["infusion_rate"] == "Infusion rate as written (test field)."
    assert help_["doses_view"]["infusion_rate"] == help_["doses"]["infusion_rate"]
    assert help_["outcomes"]["responder_rule"] == "Responder definition (test field)."
    assert help_["documents"]["registry_id"] == "Trial registry id (test field)."
    csv = report["csv"]  # the CSV export
    for file, column, value in (
        ("evidence_doses.csv", "infusion_rate", "2 ml/min"),
        ("evidence_outcomes.csv", "responder_rule", ">75%"),
        ("evidence_studies.csv", "registry_id", "NCT01234567"),
    ):
        header, row = csv[file]
        assert column in header.split(","), file
        assert value in row, file

    # The unchanged package does not know these columns: the checks above are not vacuous.
    assert "infusion_rate" not in {c.name for c in schema.DOSE_COLUMNS}
