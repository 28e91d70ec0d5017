"""The test kit, kept out of the installed package: the project's OpenAI-compatible test server
(real sockets, or ``httpx.MockTransport`` for unit tests), cassettes of real-model answers and
their recorder, the real-model cases, and ideal answers for pipeline tests. Used by the test suite
and the benchmarks (run from the repository root); the library never imports it."""
