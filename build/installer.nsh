; The per-machine data folder (electron/app/data-folder.ts): created at install
; and made modifiable by the Users group (SID S-1-5-32-545), so the cashier's
; Windows account can write the database without being an administrator.
; Uninstalling leaves it: it holds the settlements.
!macro customInstall
  CreateDirectory "$COMMONPROGRAMDATA\DischargeDesk"
  nsExec::Exec 'icacls "$COMMONPROGRAMDATA\DischargeDesk" /grant *S-1-5-32-545:(OI)(CI)M /T'
!macroend
