element.addEventListener('click', (event) => {
  if (event.target.closest('[data-copy], [data-ask], summary, a[href]:not(.qa-ref)')) return;
  const open = event.target.closest('[data-open-rank]');
  if (open) {
    event.preventDefault();
    trigger('click', {rank: Number(open.dataset.openRank), turn: Number(open.dataset.openTurn ?? -1)});
    return;
  }
  const turn = event.target.closest('.qa-turn');
  if (turn) trigger('click', {turn: Number(turn.dataset.turn)});
});
