"""The lesson text's Markdown subset: what each mark becomes, and that nothing else gets through."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from simulator.workspace.markdown import to_rich_text


def test_paragraphs_are_split_by_blank_lines_and_joined_within():
    html = to_rich_text("J(w) = w² at w = 3:\nJ = 9.\n\nNudge w by ε.")
    assert html == "<p>J(w) = w² at w = 3: J = 9.</p><p>Nudge w by ε.</p>"


def test_bold_italic_and_code():
    html = to_rich_text("The **slope** is *about* `6.001`.")
    assert html == "<p>The <b>slope</b> is <i>about</i> <code>6.001</code>.</p>"


def test_stars_inside_code_stay_stars():
    assert to_rich_text("`w**2`") == "<p><code>w**2</code></p>"


def test_a_lone_star_is_text():
    assert to_rich_text("2 * 3 = 6") == "<p>2 * 3 = 6</p>"


def test_bullet_list_after_a_paragraph():
    html = to_rich_text("Try:\n- a small ε\n* a large ε\n\nThen compare.")
    assert html == ("<p>Try:</p><ul><li>a small ε</li><li>a large ε</li></ul>"
                    "<p>Then compare.</p>")


def test_numbered_list_keeps_its_start_and_continuation_lines():
    html = to_rich_text("3. forward\n4. backward,\n   then update")
    assert html == '<ol start="3"><li>forward</li><li>backward, then update</li></ol>'


def test_a_bullet_list_then_a_numbered_list_are_two_lists():
    html = to_rich_text("- one\n1. two")
    assert html == "<ul><li>one</li></ul><ol><li>two</li></ol>"


def test_markup_in_the_source_is_escaped():
    html = to_rich_text('<img src="x"> <a href="http://e">link</a> & **<b>**')
    assert "<img" not in html and "<a " not in html
    assert html == ('<p>&lt;img src=&quot;x&quot;&gt; &lt;a href=&quot;http://e&quot;&gt;link'
                    '&lt;/a&gt; &amp; <b>&lt;b&gt;</b></p>')


def test_code_is_escaped_too():
    assert to_rich_text("`<script>`") == "<p><code>&lt;script&gt;</code></p>"


def test_empty_text_is_empty():
    assert to_rich_text("") == ""
    assert to_rich_text("\n\n  \n") == ""


ALLOWED = {"p", "b", "i", "code", "ul", "ol", "li"}


@given(st.text(alphabet=st.sampled_from(list("ab <>&\"'*`-1.\n/=")), max_size=60))
def test_only_the_subset_s_tags_come_out(text):
    html = to_rich_text(text)
    tags = re.findall(r"</?([a-z]+)", html)
    assert set(tags) <= ALLOWED
    # Every < in the output opens or closes one of the allowed tags.
    assert html.count("<") == len(tags)
