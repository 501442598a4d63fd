import { tick } from 'svelte';

/** After the next render, moves focus to the form's first invalid field. */
export async function focusFirstInvalid(form: HTMLElement | undefined): Promise<boolean> {
  await tick();
  const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  field?.focus();
  return !!field;
}
