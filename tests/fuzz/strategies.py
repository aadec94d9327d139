"""Hypothesis strategies for hostile input, shared by the fuzz tests (issue 9, "Bad input").

Form values travel as UTF-8 in a multipart or urlencoded body, which cannot carry lone
surrogates; JSON can (as \\udXXX escapes), so only the JSON strategies produce them.
"""

import string

from hypothesis import strategies as st

# Characters that have broken text handling elsewhere: bidirectional overrides and marks,
# zero-width characters and the byte-order mark, combining marks, NUL and other controls,
# line and paragraph separators, a non-BMP emoji, Swedish letters and fullwidth digits.
NASTY_CHARACTERS = (
    "\u202e\u202d\u200f\u200e\u2066\u2069"  # RLO, LRO, RLM, LRM, LRI, PDI
    "\u200b\u200c\u200d\ufeff\u2060"  # zero-width space/joiners, BOM, word joiner
    "\u0301\u0308\u0336\u20dd"  # combining acute, diaeresis, long stroke, enclosing circle
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f"  # NUL and other C0/C1 controls
    "\r\n\t\u2028\u2029"  # line breaks of several kinds
    "åäöÅÄÖé€😀𝕏"  # Swedish letters, the euro, astral characters
    "²³¹½١٢٣０１９"  # digits that str.isdigit() accepts but int() may not
    "<>&\"'`%;\\/{}[]#?=+@*"  # markup, SQL and URL metacharacters
)

SURROGATES = ("\ud800", "\udbff", "\udc00", "\udfff")

HUGE = 100_000

# Values worth trying in any field: the empty and blank, numbers at and beyond every
# integer width, numbers that are no numbers, markup and huge strings.
FIXED_NASTY = (
    "",
    " ",
    "\u200b",
    "\ufeff",
    "\u202e",
    "\x00",
    "0",
    "-1",
    "1.5",
    "1e400",
    "NaN",
    "-0",
    str(2**31),
    str(2**63),
    str(10**40),
    str(-(10**40)),
    "²",
    "١٢",
    "０１",
    "²:1",
    "1:²",
    f"{10**40}:1",
    "null",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "'; DROP TABLE channels_channel; --",
    "https://www.facebook.com/\u202eevil",
    "@" + "a" * 300,
    "x" * HUGE,
    "å" * HUGE,
    "😀" * 5000,
    "e\u0301" * 20_000,
    "1" * 500,
)

# Text that can go in a form (no surrogates).
form_text = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(NASTY_CHARACTERS),
            st.characters(exclude_categories=("Cs",)),
        ),
        max_size=40,
    ),
    st.sampled_from(FIXED_NASTY),
)

# A form field may arrive once, several times or not at all.
form_value = st.one_of(
    form_text,
    st.lists(form_text, min_size=2, max_size=3),
)


def printable_text(max_size=40):
    """Text that passes most forms' validation, to let a submission go through."""
    return st.text(
        alphabet=st.one_of(
            st.sampled_from("\u202e\u200f\u200b\u0301åäöÅÄÖ😀𝕏 -.,!?'\"<>&"),
            st.sampled_from(string.ascii_letters + string.digits),
            st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")),
        ),
        min_size=1,
        max_size=max_size,
    ).filter(lambda value: value.strip())


# JSON values of any type; strings may hold lone surrogates, which JSON can escape.
json_text = st.one_of(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(NASTY_CHARACTERS),
            st.sampled_from(SURROGATES),
            st.characters(),
        ),
        max_size=40,
    ),
    st.sampled_from(FIXED_NASTY),
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31, 2**63, 10**40, -(10**40), 0, -1]),
    st.floats(allow_nan=False, allow_infinity=False),
    json_text,
)
json_value = st.recursive(
    json_scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(json_text, children, max_size=4),
    ),
    max_leaves=12,
)
