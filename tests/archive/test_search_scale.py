"""The archive search at national scale (BENCHMARKS.md, 4.): the count of matches
stops at a cap, and the page does not list the thousands of channels."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.forms import RecordSearchForm
from archive.views import records as record_views
from channels.models import Channel
from tests.archive.test_search import bulk_records

pytestmark = pytest.mark.django_db


def test_a_common_word_counts_up_to_the_cap_and_says_more_than(
    client, registrar, channel, employee, monkeypatch
):
    monkeypatch.setattr(record_views.CappedPaginator, "cap", 5)
    bulk_records(channel, employee, 8, words=("simhallen",))
    client.force_login(registrar)

    page = client.get("/arkiv/sok/", {"q": "simhallen"}).content.decode()
    assert "Fler än 5 poster: begränsa sökningen" in page
    # The pages go as far as the count: the cap and one more.
    assert page.count('href="/arkiv/poster/') == 6

    few = client.get("/arkiv/sok/", {"q": "nummer 3"})
    assert "Fler än" not in few.content.decode()
    assert few.context["page"].paginator.count == 1


def test_the_page_does_not_grow_with_the_channels(client, registrar, channel, make_channel):
    """The channel filter was a select of every channel: 14,500 options, a megabyte a page.
    It is a text field now, and the page loads no channel unless the filter is used."""
    client.force_login(registrar)
    sizes = []
    for count in (1, 25):
        while Channel.objects.count() < count:
            make_channel()
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/arkiv/sok/", {"q": "simhallen"})
        sizes.append(len(response.content))
        assert not [q["sql"] for q in captured if 'FROM "channels_channel"' in q["sql"]]
    assert sizes[0] == sizes[1]


def test_the_unit_filter_is_the_same_select_written_without_a_template_per_option(unit, other_unit):
    """forms.OptionsSelect: Django's Select rendered each of 290 units through a template,
    about as long as the rest of the search page; the markup is the same."""
    import re

    from django import forms

    from archive.forms import NameChoiceField, OptionsSelect

    def normalized(html):
        # The same markup: whitespace between tags and the order of attributes aside.
        html = re.sub(r"\s*\n\s*", "", html)
        tag, rest = html.split(">", 1)
        return sorted(re.findall(r'[\w-]+="[^"]*"', tag)), rest

    other_unit.name = 'Fritid <"&> och kultur'
    other_unit.save()
    for data in ({}, {"unit": str(other_unit.pk)}, {"unit": "nej"}, {"unit": str(10**40)}):
        form = RecordSearchForm(data)
        ours = form["unit"].as_widget(attrs={"class": "form-select"})
        django_select = forms.Select(choices=form.fields["unit"].choices)
        theirs = form["unit"].as_widget(widget=django_select, attrs={"class": "form-select"})
        assert isinstance(form.fields["unit"], NameChoiceField)
        assert isinstance(form.fields["unit"].widget, OptionsSelect)
        assert normalized(ours) == normalized(theirs)
    chosen = str(RecordSearchForm({"unit": str(other_unit.pk)})["unit"])
    assert (
        f'<option value="{other_unit.pk}" selected>Fritid &lt;&quot;&amp;&gt; och kultur' in chosen
    )
    assert chosen.count(" selected") == 1
