/**
 * A SIP dialog as a ladder (sequence) diagram, as sngrep and Homer draw one: a column per address:port in
 * order of appearance, an arrow per message, oldest at the top. Each arrow is a focusable button: Enter,
 * Space or a click opens the full message.
 */
import type { Summary } from '../api';

const COL = 220;
const ROW = 34;
const TOP = 40;

export function Ladder({
  callId,
  messages,
  onOpen,
}: {
  callId: string;
  messages: readonly Summary[];
  onOpen: (m: Summary) => void;
}) {
  const hosts: string[] = [];
  for (const m of messages) for (const h of [m.src, m.dst]) if (!hosts.includes(h)) hosts.push(h);
  const x = (h: string) => 90 + COL * hosts.indexOf(h);
  const width = 90 + COL * (hosts.length - 1) + 120;
  const height = TOP + ROW * messages.length + 20;
  return (
    <figure className="ladder">
      <figcaption>
        Call-ID <code>{callId}</code>: {messages.length} message(s)
      </figcaption>
      <div className="scroll">
        <svg width={width} height={height} role="group" aria-label={`Ladder diagram of call ${callId}`}>
          {hosts.map((h) => (
            <g key={h}>
              <text x={x(h)} y={16} textAnchor="middle" className="host">
                {h}
              </text>
              <line x1={x(h)} x2={x(h)} y1={24} y2={height - 8} className="lifeline" />
            </g>
          ))}
          {messages.map((m, i) => {
            const y = TOP + ROW * i + 14;
            const a = x(m.src);
            const b = x(m.dst);
            const dir = b >= a ? 1 : -1;
            const label = m.summary.replace(/ SIP\/2\.0$/, '').slice(0, 34);
            const when = new Date(m.time).toLocaleTimeString();
            return (
              <g
                key={m.id}
                role="button"
                tabIndex={0}
                className="arrow"
                onClick={() => onOpen(m)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(m);
                  }
                }}
              >
                <title>{`${new Date(m.time).toISOString()} UTC`}</title>
                <text x={4} y={y + 4} className="when">
                  {when}
                </text>
                <line x1={a} x2={b - dir * 6} y1={y} y2={y} />
                <polygon points={`${b},${y} ${b - dir * 8},${y - 4} ${b - dir * 8},${y + 4}`} />
                <text x={(a + b) / 2} y={y - 5} textAnchor="middle">
                  {label}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
    </figure>
  );
}
