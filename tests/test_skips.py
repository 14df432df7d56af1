"""CI cannot pass by skipping: with CF_REQUIRE_ALL=1 a skipped test fails (tests/conftest.py); a test that
skips for want of the MovieLens files is marked movielens."""

import pytest

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

@pytest.fixture(scope="session")
def data():
    pytest.skip("no test data at /nowhere")

@pytest.mark.movielens
def test_needs_data(data):
    pass

@pytest.mark.skipif(True, reason="Chromium is not installed")
def test_needs_a_browser():
    pass

@pytest.mark.movielens
def test_finds_no_file():
    pytest.skip("missing test data file ratings.csv")

def test_runs():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport  # noqa: F401")
    pytester.makepyfile(test_example=SKIPPING)
    return pytester


def test_skips_stay_skips_locally(suite, monkeypatch):
    monkeypatch.delenv("CF_REQUIRE_ALL", raising=False)
    suite.runpytest().assert_outcomes(passed=1, skipped=3)


def test_skips_fail_when_everything_must_run(suite, monkeypatch):
    monkeypatch.setenv("CF_REQUIRE_ALL", "1")
    result = suite.runpytest()
    result.assert_outcomes(passed=1, failed=1, errors=2)  # skips in setup (fixtures, marks) become errors
    result.stdout.fnmatch_lines(["*no test data at /nowhere*", "*Chromium is not installed*", "*ratings.csv*"])


def test_a_test_that_needs_movielens_and_is_not_marked_fails(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("CF_REQUIRE_ALL", raising=False)
    pytester.makeconftest("from tests.conftest import pytest_runtest_makereport  # noqa: F401")
    pytester.makepyfile(
        test_unmarked="""
import pytest

def test_reads_the_split():
    pytest.skip("benchmark split not found in /nowhere (set CF_DATA_DIR)")

def test_needs_a_browser():
    pytest.skip("Chromium is not installed")
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*marked @pytest.mark.movielens*"])
