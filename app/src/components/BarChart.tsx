/** A small horizontal bar chart in SVG (no chart library: the first load stays small). */
export interface Bar {
  label: string;
  value: number;
  text: string;
}

export function BarChart({ bars, title, color = "#6d28d9" }: { bars: Bar[]; title: string; color?: string }) {
  if (bars.length === 0) return <p className="note">Nothing to chart yet.</p>;
  const max = Math.max(...bars.map((b) => b.value), 1);
  const row = 26;
  const labelWidth = 150;
  const width = 560;
  const barSpace = width - labelWidth - 110;
  return (
    <svg
      role="img"
      aria-label={`${title}: ${bars.map((b) => `${b.label}, ${b.text}`).join("; ")}`}
      viewBox={`0 0 ${width} ${bars.length * row + 4}`}
      width="100%"
      style={{ maxWidth: width }}
    >
      <title>{title}</title>
      {bars.map((bar, i) => {
        const w = Math.max(1, (bar.value / max) * barSpace);
        const y = i * row + 2;
        return (
          <g key={`${bar.label}-${i}`}>
            <text x={0} y={y + 16} fontSize={12} fill="#374151">
              {bar.label}
            </text>
            <rect x={labelWidth} y={y + 3} width={w} height={row - 8} rx={3} fill={color} />
            <text x={labelWidth + w + 6} y={y + 16} fontSize={12} fill="#111827">
              {bar.text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
