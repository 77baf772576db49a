import { useCallback, useEffect, useState } from 'react';
import { health, type Health, type Series, type Stats } from './api.ts';
import { api } from '../lib/api.ts';
import { HourlyBars, ReadingsLine } from './charts.tsx';
import { bytes, duration } from './format.ts';
import { useI18n } from './i18n.ts';

const REFRESH_MS = 15_000;

interface Snapshot {
  stats: Stats;
  series: Series;
  health: Health;
}

function Card({ label, value, detail }: { label: string; value: string | number; detail?: string }) {
  return (
    <div className="card">
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {detail && <div className="detail">{detail}</div>}
    </div>
  );
}

/** Counts, health and the day's activity, refreshed while the page is open. */
export function Overview() {
  const { t } = useI18n();
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [stats, series, h] = await Promise.all([api<Stats>('GET', '/api/admin/stats'), api<Series>('GET', '/api/admin/stats/series?hours=24'), health()]);
      setSnapshot({ stats, series, health: h });
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  useEffect(() => {
    void load();
    // Each refresh counts the whole store: a tab in the background skips it.
    const timer = setInterval(() => document.visibilityState === 'visible' && void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  if (!snapshot) {
    return error ? (
      <p role="alert" className="error">
        {error} <button onClick={() => void load()}>{t('retry')}</button>
      </p>
    ) : (
      <p aria-busy="true">{t('loading')}</p>
    );
  }
  const { stats: s, series, health: h } = snapshot;
  const hours = series.hours.map((p) => ({ at: new Date(p.at), messages: p.messages, signIns: p.sign_ins }));
  const now = new Date();
  const from = hours[0]?.at ?? now;
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title" className="visually-hidden">
        {t('overview')}
      </h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className={`health ${h.status}`} role="status">
        <strong>
          {t('health')}: {t(h.status)}
        </strong>
        <span>
          {t('database')} ({s.database}): {t(h.services.database)}
        </span>
        <span>
          {t('redis')}: {h.services.redis === 'not_configured' ? t('notConfigured') : t(h.services.redis)}
        </span>
        <span>
          {t('version')} {s.version}
          {h.commit ? ` (${h.commit.slice(0, 8)})` : ''}
        </span>
        <span>
          {t('node')} {s.node_id}
        </span>
        <span>
          {t('uptime')} {duration(s.uptime_seconds)}
        </span>
      </div>
      <div className="cards">
        <Card label={t('usersTotal')} value={s.users.total} detail={`${t('usersDisabled', { n: s.users.disabled })} · ${t('admins', { n: s.users.admins })}`} />
        <Card label={t('chatsTotal')} value={s.chats.private + s.chats.group} detail={t('chatsSplit', { p: s.chats.private, g: s.chats.group })} />
        <Card label={t('messagesTotal')} value={s.messages.total} detail={t('messages24h', { n: s.messages.last_24h })} />
        <Card label={t('sessions')} value={s.live_sessions} />
        <Card label={t('connections')} value={s.sockets_on_this_node ?? '—'} />
        <Card label={t('files')} value={s.files.count} detail={bytes(s.files.bytes)} />
      </div>
      <div className="charts">
        <HourlyBars title={t('messagesPerHour')} empty={t('noData')} points={hours.map((p) => ({ at: p.at, value: p.messages }))} />
        <HourlyBars title={t('signInsPerHour')} empty={t('noData')} points={hours.map((p) => ({ at: p.at, value: p.signIns }))} />
        <ReadingsLine
          title={t('connectionsOverTime')}
          empty={t('noData')}
          from={series.connections[0] ? new Date(series.connections[0].at) : from}
          to={now}
          points={series.connections.map((c) => ({ at: new Date(c.at), value: c.count }))}
        />
      </div>
    </section>
  );
}
