import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from core.models import Unit
from core.services import units_import_csv
from tests.factories import UnitFactory, UserFactory

GOOD = """name,parent,managers
Kommunledningsförvaltningen,,chef1@example.se
Kansliavdelningen,Kommunledningsförvaltningen,chef1@example.se;chef2@example.se
Biblioteket,Kultur- och fritidsförvaltningen,
Kultur- och fritidsförvaltningen,,chef2@example.se
"""


@pytest.fixture
def chefs(db):
    return (
        UserFactory(username="chef1", email="chef1@example.se"),
        UserFactory(username="chef2", email="CHEF2@example.se"),
    )


def test_loads_a_tree_with_managers(chefs):
    result = units_import_csv(text=GOOD)

    assert result.errors == []
    assert len(result.created) == 4
    kansli = Unit.objects.get(name="Kansliavdelningen")
    assert kansli.parent.name == "Kommunledningsförvaltningen"
    assert set(kansli.managers.all()) == set(chefs)
    # A parent that comes later in the file is found too.
    assert Unit.objects.get(name="Biblioteket").parent.name == "Kultur- och fritidsförvaltningen"
    assert kansli.slug == "kansliavdelningen"


def test_loading_twice_changes_nothing(chefs):
    units_import_csv(text=GOOD)
    before = list(Unit.objects.values_list("name", "slug", "parent__name"))

    result = units_import_csv(text=GOOD)

    assert result.errors == []
    assert result.created == []
    assert len(result.updated) == 4
    assert list(Unit.objects.values_list("name", "slug", "parent__name")) == before


def test_a_file_with_errors_loads_nothing_and_names_every_line(chefs):
    text = """name,parent,managers
Skolan,,chef1@example.se
,,
Gymnasiet,Finns inte,
Förskolan,,okand@example.se
Skolan,,
"""
    result = units_import_csv(text=text)

    assert Unit.objects.count() == 0
    assert result.created == []
    joined = "\n".join(result.errors)
    assert "Rad 3" in joined  # no name
    assert "Rad 4" in joined and "Finns inte" in joined  # unknown parent
    assert "Rad 5" in joined and "okand@example.se" in joined  # unknown manager
    assert "Rad 6" in joined  # duplicate
    assert "Rad 2" not in joined


def test_a_cycle_of_parents_is_refused(chefs):
    text = "name,parent,managers\nA,B,\nB,A,\n"
    result = units_import_csv(text=text)
    assert Unit.objects.count() == 0
    assert any("cirkel" in error for error in result.errors)


def test_a_missing_column_is_reported(chefs):
    result = units_import_csv(text="namn,parent\nA,\n")
    assert Unit.objects.count() == 0
    assert result.errors and "Rad 1" in result.errors[0]


def test_command_reports_errors_and_fails(tmp_path, chefs):
    path = tmp_path / "units.csv"
    path.write_text("name,parent,managers\nA,Saknas,\n", encoding="utf-8")

    with pytest.raises(CommandError, match="no unit was loaded"):
        call_command("load_units", str(path))
    assert Unit.objects.count() == 0


def test_command_loads_a_good_file(tmp_path, chefs, capsys):
    path = tmp_path / "units.csv"
    path.write_text(GOOD, encoding="utf-8")

    call_command("load_units", str(path))

    assert Unit.objects.count() == 4
    assert "4 units created" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_unit_cannot_be_its_own_parent_in_the_database():
    unit = UnitFactory()
    unit.parent_id = unit.pk
    with pytest.raises(IntegrityError):
        unit.save()


def test_a_name_over_two_lines_is_refused_with_its_line(chefs):
    text = 'name,parent,managers\nSkolan,,\n"Kultur-\nförvaltningen",,\n'
    result = units_import_csv(text=text)
    assert Unit.objects.count() == 0
    assert any("Rad 4" in error and "radbrytning" in error for error in result.errors)
