// Progressive enhancement of the point-of-care scan page. Without this
// script the scan form posts and the page reloads with focus back in the
// scan field. With it, each scan (a keyboard-wedge scanner types the data
// and presses Enter) is posted with fetch, its line is added to the table
// at once, and focus never leaves the scan field. Scans are sent one at a
// time, in the order they were made. An HIBC primary label scanned on its
// own is kept in the form's hidden field, as the page without the script
// keeps it, and sent with the next scan.

const form = document.getElementById('scan-form')

if (form) {
  const input = document.getElementById('barcode')
  const group = document.getElementById('barcode-group')
  const error = document.getElementById('barcode-error')
  const lines = document.getElementById('implant-lines')
  const empty = document.getElementById('no-devices')
  const status = document.getElementById('scan-status')
  const stop = document.getElementById('scan-stop')
  const textGS = document.getElementById('text_gs')
  const pending = document.getElementById('hibc_primary')
  let queue = Promise.resolve()

  // The field has autofocus, but the success banner of the design system
  // takes focus when it initialises (it is still announced, being an
  // alert). At the point of care the next scan must go into the field, so
  // take focus back, unless an error summary lists problems to fix first.
  if (!document.querySelector('.nhsuk-error-summary')) {
    input.focus()
  }

  const clearError = () => {
    group.classList.remove('nhsuk-form-group--error')
    input.classList.remove('nhsuk-input--error')
    input.setAttribute('aria-describedby', 'barcode-hint')
    error.hidden = true
    error.textContent = ''
  }

  const showError = (html, text) => {
    group.classList.add('nhsuk-form-group--error')
    input.classList.add('nhsuk-input--error')
    input.setAttribute('aria-describedby', 'barcode-hint barcode-error')
    if (html) {
      error.innerHTML = html // escaped by the server's template
    } else {
      error.textContent = 'Error: ' + text
    }
    error.hidden = false
    status.textContent = error.textContent.trim()
  }

  const describe = (row) => {
    // Read each cell as a listener would: separate block elements with a
    // comma, and say "none" for an empty value rather than the dash shown.
    const cells = [...row.cells].map((c) => {
      const parts = [...c.childNodes]
        .filter((n) => !(n.nodeType === Node.TEXT_NODE && n.textContent.trim() === '–'))
        // The small-screen column headings are not part of the value.
        .filter((n) => !(n.nodeType === Node.ELEMENT_NODE && n.classList.contains('nhsuk-table-responsive__heading')))
        .map((n) => n.textContent.replace(/\s+/g, ' ').trim())
        .filter((t) => t !== '')
      return parts.join(', ')
    })
    // A device without a GTIN is named by its catalogue number instead.
    const product = /^\d+$/.test(cells[1]) ? 'GTIN ' + cells[1] : cells[1]
    let msg = 'Device added: ' + cells[0] + ', ' + product + ', lot ' + cells[2] + ', serial ' + cells[3] + '.'
    if (row.classList.contains('app-devices-line--warning')) {
      msg += ' Warning: ' + cells[6]
    }
    return msg
  }

  const send = async (value, gs) => {
    let resp
    const body = new URLSearchParams({ barcode: value })
    if (gs) body.set('text_gs', 'yes')
    // Read when the scan is sent: the scan before may have been a primary label.
    if (pending && pending.value) body.set('hibc_primary', pending.value)
    try {
      resp = await fetch(form.action, {
        method: 'POST',
        body,
        headers: { 'X-Clinsafe-Fragment': 'scan' },
        credentials: 'same-origin'
      })
    } catch {
      showError(null, 'The scan was not sent. Check the connection, then scan the device again.')
      return
    }
    const html = await resp.text()
    if (resp.status === 201 || resp.status === 409) {
      // A new scan replaces an earlier stop: that device was not added.
      stop.replaceChildren()
      if (pending) pending.value = ''
    }
    if (resp.status === 202) {
      // An HIBC primary label on its own: kept for the next scan, with the
      // server's message and its "add without it" form.
      clearError()
      stop.innerHTML = html // escaped by the server's template
      const kept = stop.querySelector('[data-hibc-primary]')
      if (pending && kept) pending.value = kept.dataset.hibcPrimary
      status.textContent = kept ? kept.querySelector('p').textContent.trim() : ''
      return
    }
    if (resp.status === 409) {
      // Stopped before it was added (expired, serial already implanted,
      // scanned twice, under recall) or a reading to choose: the server's
      // warning, an alert that a screen reader announces, with its form.
      clearError()
      stop.innerHTML = html // escaped by the server's template
      status.textContent = ''
      return
    }
    if (resp.status === 201) {
      clearError()
      for (const row of lines.querySelectorAll('.app-devices-line--new')) {
        row.classList.remove('app-devices-line--new')
      }
      lines.insertAdjacentHTML('beforeend', html)
      if (empty) empty.hidden = true
      status.textContent = describe(lines.lastElementChild)
      // Such as: an HIBC primary label kept before this scan was not added.
      const note = resp.headers.get('X-Clinsafe-Scan-Note')
      if (note) status.textContent += ' ' + note
    } else if (resp.status === 422) {
      showError(html)
    } else if (resp.redirected || resp.status === 401 || resp.status === 403) {
      showError(null, 'Your session has ended or you cannot add devices here. Sign in again, then scan the device again.')
    } else {
      showError(null, 'The scan was not recorded (error ' + resp.status + '). Scan the device again.')
    }
  }

  form.addEventListener('submit', (event) => {
    // "Remember for this organisation" posts the form to the settings.
    if (event.submitter && event.submitter.hasAttribute('formaction')) return
    event.preventDefault()
    const value = input.value
    input.value = ''
    input.focus()
    if (value.trim() === '') {
      showError(null, 'Scan the barcode on the device label, or enter the details by hand')
      return
    }
    const gs = textGS !== null && textGS.checked
    queue = queue.then(() => send(value, gs))
  })
}
