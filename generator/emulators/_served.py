"""What every emulator shares: serving an HTTP server on 127.0.0.1 in a daemon thread."""

from __future__ import annotations

import socket
import threading
from typing import Any, Self


class ServedEmulator:
    """start/stop/context manager/base_url for an emulator; subclasses say which server to bind.

    A subclass sets `host`, `port`, `_server = None`, `_thread = None`, `_faults` and `_lock` in its
    `__init__`, names itself
    in `thread_name`, and returns its (not yet serving) server from `_bind()`. The server must keep
    `open_connections` under `connections_lock`, as the Shopify emulator's does, so that `stop()` can
    drop kept-alive connections and free the port at once.
    """

    thread_name = "emulator"
    host: str
    port: int
    _server: Any
    _thread: threading.Thread | None
    _faults: list[Any]  # scripted faults: objects with `remaining` and `path_contains`
    _lock: threading.Lock

    def _bind(self) -> Any:
        raise NotImplementedError

    def start(self) -> Self:
        """Bind and serve in a daemon thread; OSError (EADDRINUSE) if the port is taken."""
        if self._server is not None:
            return self
        server = self._bind()  # raises OSError, deliberately not caught
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{self.thread_name}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop kept-alive connections and free the port."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.connections_lock:
            conns = list(server.open_connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _take_fault(self, path: str) -> Any:
        """The first scripted fault still due for `path`, counted down; None when there is none."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.path_contains in path:
                    fault.remaining -= 1
                    return fault
        return None

    def serve_until_interrupted(self) -> None:
        """Block the calling thread (the server runs in its own) until Ctrl-C: for `python -m ...`."""
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (the bound port once started)."""
        return f"http://{self.host}:{self.port}"
