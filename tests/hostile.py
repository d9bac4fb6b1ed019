"""Strings that break a format that is not escaped: one list for every test of DOT, SVG or HTML output.

Each entry is ``(name, text)``. Use them as labels, op names, titles, tooltips: whatever user text
reaches a drawing or a page. A test checks that the output is valid and shows `text` as written.
"""

HOSTILE = [
    # DOT: backslash escapes (\N is the node's name, \l a line break), quotes, HTML-like labels, records
    ("backslash", "\\"),
    ("ends in a backslash", "ldiv\\"),
    ("escaped quote", '\\"'),
    ("node name escape", "\\N \\G \\l"),
    ("quote", '"'),
    ("html-like", "<<b>"),
    ("html-like op", "<=>"),
    ("empty html-like", "<>"),
    ("bold tag", "<b>not bold</b>"),
    ("record braces", "{"),
    ("record close", "}"),
    ("record bar", "|"),
    ("record port", "a{b}|c<d>e"),
    ("dot keyword", "node"),
    ("dot numeral", "-4.2"),
    ("dot comment", "// x /* y */ # z"),
    # entities and markup: DOT and SVG read &...; as an entity, HTML runs scripts
    ("ampersand", "&"),
    ("entity", "x&amp;y"),
    ("numeric entity", "&#60;&#x3c;"),
    ("script end", "</script>"),
    ("img onerror", "<img src=x onerror=alert(1)>"),
    ("cdata end", "]]>"),
    ("xml comment", "<!-- x -->"),
    ("single quote", "it's"),
    ("template", "${x} {{y}}"),
    # characters: control, line breaks, beyond ASCII, beyond UTF-8
    ("NUL", "a\x00b"),
    ("controls", "\x01\x1b[31m\x7f"),
    ("tab", "a\tb"),
    ("newline", "line 1\nline 2"),
    ("carriage return", "a\rb"),
    ("unicode", "∂L/∂w₁₃⁽²⁾ ≤ π 😀 é e\u0301 עברית \u202eRTL"),
    ("lone surrogate", "a\ud800b"),
    ("very long", "-".join(["long"] * 2000)),
]
