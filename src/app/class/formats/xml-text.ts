/**
 * Text safe inside XML 1.0. Test output is whatever a student's code printed: besides `<` and `&`
 * it can hold NUL, ANSI escapes or a lone UTF-16 surrogate, which no XML parser accepts even
 * escaped, so those become U+FFFD instead of breaking the whole report.
 */
export function xmlText(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // A parser turns a raw CR (and CRLF) into LF; a reference keeps it.
    .replace(/\r/g, '&#13;');
}

/** An attribute value: a parser turns raw tabs and line breaks there into spaces, references survive. */
export function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}
