"""The database unreachable during a webhook or an ingestion request: 503, nothing written.

The request's database connection goes through a TCP proxy that the test starts in
front of PostgreSQL and then breaks, for real:

* "refused": the proxy is gone before the request, so connecting is refused;
* "insert": the proxy drops the connection when the INSERT goes to the server;
* "commit": the proxy drops it when COMMIT goes to the server, after the INSERT
  reached PostgreSQL: the server rolls the open transaction back.

The platform gets a 503 with a JSON error and Retry-After, so that it delivers
again; nothing is half-written; the redelivery, with the database back, is stored
once and parsed into exactly one item (tasks run eagerly in this process).
"""

import contextlib
import json
import socket
import threading

import pytest
from django.db import connection

from moderation import services
from moderation.models import Delivery, DeliveryStatus, Item, ItemEvent, ItemVersion
from tests.moderation.conftest import payload_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COMMENT_ID = "712398456123987_1583920475830291"


def _shut(sock):
    """Shut down and close; shutdown() also wakes an accept() blocked in another thread."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class BreakingProxy:
    """Forwards TCP to PostgreSQL; drops a connection when the client sends `cut_on`."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.cut_on: bytes | None = None
        self.cuts = 0
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source, sink, from_client):
        try:
            while chunk := source.recv(65536):
                if from_client and self.cut_on and self.cut_on in chunk:
                    self.cuts += 1
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            _shut(sock)

    def close(self):
        _shut(self.server)
        with self.lock:
            for sock in self.sockets:
                _shut(sock)


@pytest.fixture
def database_proxy(postgres, transactional_db):
    """The default connection reconnects through a proxy; put back directly afterwards."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    proxy = BreakingProxy(saved[0] or "127.0.0.1", int(saved[1] or 5432))
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", proxy.port
    yield proxy
    proxy.close()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = saved
    connection.close()


def database_back(proxy):
    proxy.close()
    connection.close()
    settings_dict = connection.settings_dict
    settings_dict["HOST"], settings_dict["PORT"] = proxy.target[0], proxy.target[1]


def break_database(proxy, fault):
    if fault == "refused":
        proxy.close()
        connection.close()
    else:
        # Connected through the proxy before the request, which finds the connection alive.
        assert Delivery.objects.count() == 0
        proxy.cut_on = {"insert": b"INSERT INTO", "commit": b"COMMIT"}[fault]


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "unavailable"


@pytest.mark.parametrize("fault", ["refused", "insert", "commit"])
def test_a_webhook_answers_503_and_writes_nothing_without_the_database(
    fault, database_proxy, page_channel, post_meta
):
    body = payload_bytes("fb_feed_comment_add.json")
    break_database(database_proxy, fault)

    response = post_meta(body)

    assert_unavailable(response)
    assert response["Retry-After"] == "60"
    if fault != "refused":
        assert database_proxy.cuts == 1
    database_back(database_proxy)
    assert not Delivery.objects.exists()
    assert not Item.objects.exists()

    # The platform delivers again: stored once, parsed into one item.
    assert post_meta(body).status_code == 200
    assert Delivery.objects.get().status == DeliveryStatus.PARSED
    assert Item.objects.filter(external_id=COMMENT_ID).count() == 1


@pytest.fixture
def ingest(client, page_channel, communicator):
    _token, plain = services.ingest_token_create(
        name="Kontaktformuläret", channels=[page_channel], actor=communicator
    )

    def post():
        return client.post(
            "/api/v1/items",
            data=json.dumps(
                {
                    "channel": page_channel.pk,
                    "external_id": "form-1",
                    "kind": "direct_message",
                    "sender": {"id": "anna@example.se", "name": "Anna"},
                    "text": "När öppnar badhuset?",
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {plain}",
        )

    return post


@pytest.mark.parametrize("fault", ["refused", "commit"])
def test_the_ingestion_api_answers_503_and_writes_nothing_without_the_database(
    fault, database_proxy, ingest
):
    before = ItemEvent.objects.count()
    break_database(database_proxy, fault)

    response = ingest()

    assert_unavailable(response)
    assert json.loads(response.content)["field"] is None
    database_back(database_proxy)
    assert not Item.objects.exists()
    assert not ItemVersion.objects.exists()
    assert ItemEvent.objects.count() == before

    response = ingest()
    assert response.status_code == 201, response.content
    assert Item.objects.get().external_id == "form-1"
