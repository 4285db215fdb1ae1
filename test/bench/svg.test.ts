import { chartsSvg, type Chart } from '../../tools/bench/svg';

// The bench's plot writer: the document must stay valid whatever the labels hold, and draw what it is given.

const chart = (overrides: Partial<Chart> = {}): Chart => ({
  title: 'end-to-end p99',
  xLabel: 'seconds',
  yLabel: 'ms',
  series: [
    {
      label: 'engine',
      color: '#1f77b4',
      points: [
        { x: 0, y: 10 },
        { x: 1, y: 20 },
      ],
    },
  ],
  ...overrides,
});

describe('chartsSvg', () => {
  it('escapes labels, so a phase name with markup characters leaves the document well-formed', () => {
    const svg = chartsSvg([chart({ title: 'sustained@40 <smoke> & "more"' })]);
    expect(svg).toContain('sustained@40 &lt;smoke&gt; &amp; &quot;more&quot;');
    expect(svg).not.toContain('<smoke>');
  });

  it('lays two or more charts out in two columns', () => {
    expect(chartsSvg([chart()])).toMatch(/^<svg [^>]*width="640" height="400"/);
    expect(chartsSvg([chart(), chart(), chart()])).toMatch(/^<svg [^>]*width="1280" height="800"/);
    expect(chartsSvg([chart(), chart(), chart()]).match(/<g transform=/g)).toHaveLength(3);
  });

  it('draws a line for a series, and markers only where asked or for a single point', () => {
    const svg = chartsSvg([
      chart({
        series: [
          { label: 'line', color: 'red', points: chart().series[0]!.points },
          { label: 'steps', color: 'blue', markers: true, points: chart().series[0]!.points },
          { label: 'one', color: 'green', points: [{ x: 1, y: 5 }] },
        ],
      }),
    ]);
    expect(svg.match(/<polyline [^>]*stroke="(\w+)"/g)?.map((m) => /stroke="(\w+)"/.exec(m)![1])).toEqual([
      'red',
      'blue',
    ]);
    expect(svg.match(/<circle [^>]*fill="blue"/g)).toHaveLength(2);
    expect(svg.match(/<circle [^>]*fill="green"/g)).toHaveLength(1);
    expect(svg).not.toMatch(/<circle [^>]*fill="red"/);
  });

  it('draws a value above yMax at the top edge, not outside the chart', () => {
    const svg = chartsSvg([
      chart({ yMax: 15, series: [{ label: 's', color: 'red', points: chart().series[0]!.points }] }),
    ]);
    const points = /<polyline [^>]*points="([^"]+)"/
      .exec(svg)![1]!
      .split(' ')
      .map((p) => Number(p.split(',')[1]));
    // The plot area runs from y = 42 (top) to y = 360 (bottom); 20 is above yMax = 15.
    expect(points).toEqual([42 + (360 - 42) / 3, 42]);
  });
});
