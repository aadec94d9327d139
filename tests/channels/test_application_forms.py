import pytest

from channels.forms.applications import ApplicationForm, valid_phone
from tests.factories import PlatformFactory


@pytest.fixture
def platforms(db):
    kinds = [
        "facebook",
        "instagram",
        "linkedin",
        "youtube",
        "x",
        "tiktok",
        "mastodon",
        "blog",
        "other",
    ]
    return {kind: PlatformFactory(kind=kind, slug=kind) for kind in kinds}


def form_data(unit, platform, **overrides):
    data = {
        "unit": unit.pk,
        "platform": platform.pk,
        "address": "https://www.facebook.com/biblioteket",
        "purpose": "Information",
        "target_group": "Alla",
        "guidelines_read": "on",
        "responsible_1_name": "Rebecka",
        "responsible_1_phone": "0240-123 45",
        "responsible_1_email": "rebecka@example.se",
        "operator_1_name": "Olle",
        "operator_1_email": "olle@example.se",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_labels_are_the_appendix_labels_in_order(unit, platforms):
    form = ApplicationForm()
    labels = [
        str(form.fields[name].label)
        for name in ("unit", "platform", "address", "purpose", "target_group", "guidelines_read")
    ]
    assert labels == [
        "Förvaltning/enhetens namn",
        "Socialt medium som verksamheten vill använda (t.ex. Facebook, Instagram)",
        "Adress",
        "Syftet med att delta (t.ex. sprida information, service)",
        "Målgruppen",
        "Jag har läst kommunens riktlinjer för sociala medier",
    ]
    assert 'href="/riktlinjer/"' in str(form.fields["guidelines_read"].help_text)


def test_a_complete_form_is_valid(unit, platforms):
    form = ApplicationForm(form_data(unit, platforms["facebook"]), submitting=True)
    assert form.is_valid(), form.errors
    contacts = form.contacts()
    assert [(c.role, c.position, c.name) for c in contacts] == [
        ("responsible", 1, "Rebecka"),
        ("operator", 1, "Olle"),
    ]


def test_submitting_needs_the_box_ticked(unit, platforms):
    form = ApplicationForm(
        form_data(unit, platforms["facebook"], guidelines_read=None), submitting=True
    )
    assert not form.is_valid()
    assert form.errors["guidelines_read"] == ["Du måste bekräfta att du har läst riktlinjerna."]
    # A draft may be saved without it.
    draft = ApplicationForm(form_data(unit, platforms["facebook"], guidelines_read=None))
    assert draft.is_valid(), draft.errors


def test_submitting_needs_one_responsible_and_one_operator(unit, platforms):
    form = ApplicationForm(
        form_data(
            unit,
            platforms["facebook"],
            responsible_1_name=None,
            responsible_1_phone=None,
            responsible_1_email=None,
            operator_1_name=None,
            operator_1_email=None,
        ),
        submitting=True,
    )
    assert not form.is_valid()
    assert "responsible_1_name" in form.errors
    assert "operator_1_name" in form.errors


def test_the_second_person_alone_counts(unit, platforms):
    form = ApplicationForm(
        form_data(
            unit,
            platforms["facebook"],
            responsible_1_name=None,
            responsible_1_phone=None,
            responsible_1_email=None,
            responsible_2_name="Rut",
            responsible_2_email="rut@example.se",
        ),
        submitting=True,
    )
    assert form.is_valid(), form.errors
    assert form.contacts()[0].position == 1


@pytest.mark.parametrize(
    "kind, address, ok",
    [
        ("facebook", "https://www.facebook.com/Smedjebacken/", True),
        ("facebook", "fb.com/smedjebacken", True),
        ("facebook", "https://www.instagram.com/smedjebacken", False),
        ("instagram", "@smedjebacken", True),
        ("instagram", "https://instagram.com/smedjebacken/", True),
        ("instagram", "https://www.facebook.com/smedjebacken", False),
        ("linkedin", "https://www.linkedin.com/company/smedjebackens-kommun/", True),
        ("linkedin", "https://youtube.com/@kommun", False),
        ("youtube", "https://www.youtube.com/@smedjebacken", True),
        ("youtube", "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv", True),
        ("youtube", "https://x.com/kommun", False),
        ("x", "https://twitter.com/smedjebacken", True),
        ("x", "@smedjebacken", True),
        ("x", "https://tiktok.com/@kommun", False),
        ("tiktok", "https://www.tiktok.com/@smedjebacken", True),
        ("tiktok", "https://facebook.com/kommun", False),
        ("mastodon", "@kommun@mastodon.example", True),
        ("mastodon", "https://mastodon.example/@kommun", True),
        ("mastodon", "kommun", False),
        ("blog", "https://blogg.example.se/biblioteket", True),
        ("blog", "inte en adress", False),
        ("other", "https://www.example.se/kanal", True),
        ("other", "ftp://example.se/x", False),
    ],
)
def test_the_address_must_belong_to_the_platform(unit, platforms, kind, address, ok):
    form = ApplicationForm(form_data(unit, platforms[kind], address=address), submitting=True)
    assert form.is_valid() is ok, form.errors
    if not ok:
        assert "address" in form.errors


@pytest.mark.parametrize(
    "phone, ok",
    [
        ("0240-123 45", True),
        ("070-123 45 67", True),
        ("+46 70 123 45 67", True),
        ("0046 70 123 45 67", True),
        ("(0240) 66 01 00", True),
        ("12345", False),
        ("ring mig", False),
        ("+46 70 123 45 67 89 00 11", False),
    ],
)
def test_phone_numbers_in_swedish_or_international_form(phone, ok):
    assert valid_phone(phone) is ok


def test_bad_phone_and_email_are_reported_next_to_the_field(unit, platforms):
    form = ApplicationForm(
        form_data(unit, platforms["facebook"], responsible_1_phone="abc", operator_1_email="olle@"),
        submitting=True,
    )
    assert not form.is_valid()
    assert "responsible_1_phone" in form.errors
    assert "operator_1_email" in form.errors


def test_a_duplicate_normalised_address_is_refused(unit, platforms, make_application):
    make_application(
        address="https://www.facebook.com/Smedjebacken/", platform=platforms["facebook"]
    )

    form = ApplicationForm(
        form_data(unit, platforms["facebook"], address="facebook.com/smedjebacken"), submitting=True
    )

    assert not form.is_valid()
    assert form.errors["address"] == ["Det finns redan en pågående ansökan för det här kontot."]
