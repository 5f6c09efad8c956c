import { SaxesParser } from 'saxes';

/** An element as a strict XML 1.0 parser (saxes) reads it: entities decoded, any error thrown. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** Elements and text in document order. */
  nodes: (XmlElement | string)[];
}

export const elements = (el: XmlElement): XmlElement[] => el.nodes.filter((n): n is XmlElement => typeof n !== 'string');

export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: false });
  const root: XmlElement = { name: '#document', attrs: {}, nodes: [] };
  const stack = [root];
  parser.on('error', (e) => {
    throw e;
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { name: tag.name, attrs: { ...tag.attributes }, nodes: [] };
    stack.at(-1)!.nodes.push(el);
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => {
    stack.at(-1)!.nodes.push(t);
  });
  parser.write(xml).close();
  return elements(root)[0]!;
}

export function all(el: XmlElement, name: string): XmlElement[] {
  return [...(el.name === name ? [el] : []), ...elements(el).flatMap((c) => all(c, name))];
}

/** The text of an element and everything inside it, as a browser's textContent. */
export function textOf(el: XmlElement): string {
  return el.nodes.map((n) => (typeof n === 'string' ? n : textOf(n))).join('');
}
