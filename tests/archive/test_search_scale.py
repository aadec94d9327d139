"""The archive search at national scale (BENCHMARKS.md, 4.): the count of matches
stops at a cap, and the channel filter's thousands of options come from the cache."""

import pytest

from archive.forms import RecordSearchForm
from archive.views import records as record_views
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


def test_the_channel_filter_lists_every_channel_escaped_and_marks_the_chosen_one(
    channel, make_channel, communicator, django_assert_max_num_queries
):
    from django.core.cache import cache

    from channels.services.channels import channel_update

    cache.clear()
    other = make_channel(display_name="Fritid <på> Facebook & co")
    html = str(RecordSearchForm({"channel": str(channel.pk)})["channel"])
    assert html.startswith('<select name="channel"')
    assert f'<option value="{channel.pk}" selected>Biblioteket på Facebook' in html
    assert f'<option value="{other.pk}">Fritid &lt;på&gt; Facebook &amp; co' in html
    assert html.count(" selected>") == 1

    # From the cache: the channels' state, and the chosen channel's validation.
    with django_assert_max_num_queries(2):
        html = str(RecordSearchForm({"channel": str(other.pk)})["channel"])
    assert f'<option value="{other.pk}" selected>' in html
    assert f'<option value="{channel.pk}">' in html
    assert '<option value="" selected>' in str(RecordSearchForm({})["channel"])

    # A renamed channel is listed under its new name at once.
    channel_update(
        channel=other,
        actor=communicator,
        data={"display_name": "Fritidsgården"},
        expected_version=other.version,
    )
    html = str(RecordSearchForm({})["channel"])
    assert "Fritidsgården (Facebook)" in html
    assert "Fritid &lt;på&gt;" not in html
    assert RecordSearchForm({"channel": str(channel.pk)}).filters().channel == channel
