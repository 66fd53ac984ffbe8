from isocrm import text


def test_fold_drops_accents_case_and_punctuation():
    assert text.fold("José  d'Ávila-Neto") == "jose d avila neto"
    assert text.fold("CONCEIÇÃO") == "conceicao"
    assert text.fold(None) == ""


def test_prefix_upper_bound_closes_the_range():
    assert text.prefix_upper_bound("mar") == "mas"
    assert text.prefix_upper_bound("mar") > "maria"
    assert text.prefix_upper_bound("mar") <= "mas"
