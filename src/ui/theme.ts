// Semantic colours. Components name what a thing is; NO_COLOR turns every colour off.
export interface Theme {
  error: string | undefined;
  warning: string | undefined;
  accent: string | undefined;
  dim: boolean;
  selected: string | undefined;
}

export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') {
    return { error: undefined, warning: undefined, accent: undefined, dim: false, selected: undefined };
  }
  return { error: 'red', warning: 'yellow', accent: 'cyan', dim: true, selected: 'blue' };
}
