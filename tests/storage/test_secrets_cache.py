"""The keyring store reuses a read for a few seconds: one IPC round trip per secret, not per log entry."""

from __future__ import annotations

from keyring.backend import KeyringBackend

from postback_studio.storage.secrets import KeyringSecretStore


class CountingKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


def test_reads_are_reused_until_they_age() -> None:
    now = [100.0]
    backend = CountingKeyring()
    store = KeyringSecretStore(backend, clock=lambda: now[0])
    store.set("k", "s3cret")
    backend.values[("postback-studio", "k")] = "changed elsewhere"
    assert [store.get("k") for _ in range(50)] == ["s3cret"] * 50
    assert backend.reads == 0
    now[0] += KeyringSecretStore.CACHE_SECONDS
    assert store.get("k") == "changed elsewhere"
    assert backend.reads == 1


def test_delete_forgets_the_cached_value() -> None:
    store = KeyringSecretStore(CountingKeyring(), clock=lambda: 0.0)
    store.set("k", "s3cret")
    store.delete("k")
    assert store.get("k") is None
