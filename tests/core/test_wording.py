from contracts.core.wording import counted


def test_the_word_agrees_with_the_count_and_thousands_are_separated():
    assert [counted(n, "exchange") for n in (0, 1, 2, 1204)] == ["0 exchanges", "1 exchange", "2 exchanges", "1,204 exchanges"]
    assert counted(1, "organization body", "organization bodies") == "1 organization body"
    assert counted(3, "organization body", "organization bodies") == "3 organization bodies"
