// clinsafe's progressive enhancement. Pages work without it.
import { initAll } from '/assets/vendor/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()
