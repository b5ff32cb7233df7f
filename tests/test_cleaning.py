from extractors.cleaning import clean_text, fix_homoglyphs, normalise_glyphs, strip_markup


def test_superscript_ordinals_join_their_number_and_footnote_markers_go():
    assert clean_text("Partnership – 18<sup>th</sup> March 2020") == "Partnership – 18th March 2020"
    assert clean_text("<b>Theft<sup>1</sup></b>") == "Theft"


def test_split_ordinal_is_joined():
    assert clean_text("Kent Community Safety Partnership – 14 th October 2014").endswith("14th October 2014")


def test_cyrillic_lookalikes_in_latin_words_are_fixed_but_real_cyrillic_kept():
    assert fix_homoglyphs("То:") == "To:"
    assert fix_homoglyphs("Привет") == "Привет"


def test_markdown_and_html_markup_removed_and_whole_line_bold_reported():
    assert strip_markup("**Friday, 8th July, 2011**") == ("Friday, 8th July, 2011", True)
    text, bold = strip_markup("**To:** Kent Community Safety Partnership")
    assert (text, bold) == ("To: Kent Community Safety Partnership", False)
    assert clean_text("the [16-days of Action](#) Against") == "the 16-days of Action Against"


def test_private_use_bullets_and_nbsp_normalised():
    assert normalise_glyphs("\uf0b7 Kent Police") == "• Kent Police"
    assert normalise_glyphs("(cid:127) Kent Police") == "• Kent Police"
    assert normalise_glyphs("Road\u00a0Safety") == "Road Safety"
