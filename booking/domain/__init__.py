"""The trip life-cycle as plain, typed, pure code: no storage, no channels."""
