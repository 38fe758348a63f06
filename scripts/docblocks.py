"""The fenced code blocks of a Markdown file, with the marker line before each: what check-doc-snippets.py and
run-doc.py read."""


def blocks(path, languages):
    """(line of the fence, the stripped line before it, the block's lines) for each ```LANG block, LANG in
    `languages`."""
    lines = open(path, encoding="utf-8").read().split("\n")
    index = 0
    while index < len(lines):
        if lines[index].strip() in {"```" + language for language in languages}:
            start = index
            body = []
            index += 1
            while index < len(lines) and lines[index].strip() != "```":
                body.append(lines[index])
                index += 1
            yield start + 1, lines[start - 1].strip() if start > 0 else "", body
        index += 1
