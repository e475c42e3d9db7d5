element.addEventListener('click', (event) => {
  const button = event.target.closest('[data-open-rank]');
  if (button) { event.preventDefault(); trigger('click', {rank: Number(button.dataset.openRank)}); }
});
