"""Test-support code shipped with the package: the OpenAI-compatible test server and the tool
that writes its reference responses. Used by the test suite, the benchmarks and `make demo`; the
library proper never imports it."""
