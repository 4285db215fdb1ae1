import { clip, codePoints, firstName } from '../../domain/text';

// Text as WhatsApp counts it (code points, so an emoji outside the BMP is one character, not two
// UTF-16 units), and the first name the bot, canned responses and campaigns greet a student by.

describe('codePoints', () => {
  it('counts an emoji outside the BMP as one character', () => {
    expect('👋'.length).toBe(2);
    expect(codePoints('hi 👋')).toBe(4);
  });
});

describe('clip', () => {
  it('leaves a text that fits as it is', () => {
    expect(clip('Ada', 3)).toBe('Ada');
  });

  it('cuts to the limit, the ellipsis included, without splitting a surrogate pair', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('👋👋👋', 2)).toBe('👋…');
    expect(codePoints(clip('👋'.repeat(50), 30))).toBe(30);
  });
});

describe('firstName', () => {
  it('is the first word of the name, whatever the spacing', () => {
    expect(firstName('  Ada   Lovelace ')).toBe('Ada');
    expect(firstName('Chidi\tOkafor')).toBe('Chidi');
  });

  it('keeps a long first word short enough for a greeting', () => {
    expect(firstName('A'.repeat(40) + ' B')).toBe('A'.repeat(29) + '…');
  });
});
