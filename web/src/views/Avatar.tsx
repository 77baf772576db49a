/** A person's or a chat's round mark: the first letter of the name (there are no avatar images yet). */
export function Avatar({ name, small }: { name: string; small?: boolean }) {
  return (
    <span className={small ? 'avatar small' : 'avatar'} aria-hidden="true">
      {(name.trim()[0] ?? '?').toUpperCase()}
    </span>
  );
}
