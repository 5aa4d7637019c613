import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import NeedsToken from './views/NeedsToken.vue';
import { checkAccess, createDefaultClient, setClient } from './api';
import './styles/main.css';

const client = createDefaultClient(window);
setClient(client);
// served by `rpr serve` without a valid token: say how to get in instead of failing every call
void checkAccess(client, window).then((access) => {
  if (access === 'ok') createApp(App).use(createPinia()).mount('#app');
  else createApp(NeedsToken, { reason: access }).mount('#app');
});
